import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config';
import type { DeployerEvent } from '../../functions/ports';
import { buildFixture } from '../support/fixture';
import { bootTestHosts, type TestHosts } from '../support/hosts';
import { type DeployHarness, deployHarness, exampleConfigText, workDirIn } from '../support/local-deploy';

// Real hosts (systemd in nspawn), the real hello OTP release, the real bundle hooks. The cases build on each
// other (v1 → v2 → broken v3 → hostile tarball), as a fleet's history does; hosts are booted once.
const PORTS = { staging: 4001, production: 4002 } as const;
let hosts: TestHosts;
let h: DeployHarness;
let tarballs: ReturnType<typeof buildFixture>;
const secretValues: string[] = [];

async function health(address: string, port: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://${address}:${port}/health`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const finished = (events: DeployerEvent[]) => events.filter((e) => e.type === 'deployment.finished');

beforeAll(async () => {
  tarballs = buildFixture();
  hosts = await bootTestHosts(2);
  h = await deployHarness(hosts.manager, workDirIn(hosts.dataDir));
  for (const env of ['staging', 'production']) {
    for (const name of ['erlang_cookie', 'secret_key_base', 'database_password']) {
      const value = randomBytes(48).toString('base64url');
      secretValues.push(value);
      await h.secrets.set(`hello/${env}`, name, value);
    }
  }
}, 300_000);

afterAll(async () => {
  await hosts?.teardown();
});

describe('local deployer on real hosts', { timeout: 180_000 }, () => {
  it('deploys v1 then v2 to staging and production on both hosts, stopping the old release first', async () => {
    const v1 = await h.pushRelease(tarballs['1.0.0'], '1.0.0');
    const first = await Promise.all([h.deploy('staging', v1), h.deploy('production', v1)]);
    for (const events of first)
      expect(
        finished(events).map((e) => e.status),
        JSON.stringify(finished(events)),
      ).toEqual(['succeeded']);
    const skippedStops = first.flat().filter((e) => e.type === 'host.event' && e.event === 'ApplicationStop');
    expect(skippedStops.map((e) => e.type === 'host.event' && e.status)).toEqual(Array(4).fill('skipped'));

    const v2 = await h.pushRelease(tarballs['2.0.0'], '2.0.0');
    const second = await Promise.all([h.deploy('staging', v2), h.deploy('production', v2)]);
    for (const events of second) expect(finished(events).map((e) => e.status)).toEqual(['succeeded']);
    const stops = second.flat().filter((e) => e.type === 'host.event' && e.event === 'ApplicationStop');
    expect(stops.filter((e) => e.type === 'host.event' && e.status === 'succeeded')).toHaveLength(4);

    for (const host of hosts.hosts) {
      for (const [env, port] of Object.entries(PORTS)) {
        const answer = await health(host.address, port);
        expect(answer).toMatchObject({ status: 200, body: { version: '2.0.0', port, node: `hello_${env}` } });
      }
    }
  }, 180_000);

  it('ran the migration exactly once per deployment across the two hosts', async () => {
    const lines: string[] = [];
    for (const host of hosts.hosts) {
      const result = await hosts.manager.exec(host.name, ['cat', '/var/lib/tarmac/hello/staging/migrations.log']);
      lines.push(...result.stdout.trim().split('\n').filter(Boolean));
    }
    // `<deployment id> <version>` per run: one line per deployment, across both hosts.
    expect(lines.map((line) => line.split(' ')[1]).sort()).toEqual(['1.0.0', '2.0.0']);
    const deployments = lines.map((line) => line.split(' ')[0]);
    expect(deployments).not.toContain('unknown');
    expect(new Set(deployments).size).toBe(lines.length);
  });

  it('hands a migrate expression holding $ and env values holding % to the release unchanged', async () => {
    // The service manager expands $VAR, ${VAR} and $$ in a transient unit's command line; Elixir does not.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${PORT} must reach the VM as written.
    const text = 'cost: $5 $HOME ${PORT} $$ 100% a\\b | ';
    const expression = `File.write!(Path.join(System.fetch_env!("STATE_DIRECTORY"), "dollar.txt"), "${text.replaceAll('\\', '\\\\')}" <> System.get_env("PERCENT", "unset"))`;
    // Replacer functions: a replacement string would turn `$$` into `$` itself.
    const yaml = exampleConfigText()
      .replace('migrate: Hello.Release.migrate()', () => `migrate: '${expression.replaceAll("'", "''")}'`)
      .replace('POOL_SIZE: "5"', () => 'POOL_SIZE: "5"\n          PERCENT: "100% $HOME"');
    const config = parseConfig(yaml, 'dollar.yml');
    const v2 = await h.pushRelease(tarballs['2.0.0'], '2.0.0');
    const events = await h.deploy('staging', v2, { config });
    expect(
      finished(events).map((e) => e.status),
      JSON.stringify(finished(events)),
    ).toEqual(['succeeded']);
    const written = await Promise.all(
      hosts.hosts.map((host) =>
        hosts.manager.exec(host.name, ['sh', '-c', 'cat /var/lib/tarmac/hello/staging/dollar.txt 2>/dev/null; true']),
      ),
    );
    // One host ran the migration; it wrote exactly what the expression says.
    expect(written.map((r) => r.stdout).filter(Boolean)).toEqual([`${text}100% $HOME`]);
  }, 180_000);

  it('rolls a broken release back to v2 automatically and reports the failure with the journal', async () => {
    const v3 = await h.pushRelease(tarballs['3.0.0'], '3.0.0');
    const events = await h.deploy('staging', v3, { autoRollback: true });
    if (process.env.DEBUG_EVENTS)
      console.log(
        h.logLines.filter((l) => l.includes('hook finished') && l.includes('rollback')).join(''),
        events.map((e) => `${e.at} ${e.type} ${'host' in e ? `${e.host} ${e.event} ${e.status}` : ''}`).join('\n'),
      );
    // One outcome, sent when the automatic rollback is over (the fleet stays busy until then).
    const [rolledBack, ...more] = finished(events);
    expect(more).toEqual([]);
    expect(rolledBack, JSON.stringify(events)).toMatchObject({
      status: 'rolled_back',
      rolledBackTo: expect.stringMatching(/^2\.0\.0-/),
      error: expect.stringContaining('ValidateService failed on h1'),
    });
    expect(rolledBack?.type === 'deployment.finished' && rolledBack.error).toContain(
      'journal of tarmac-hello-staging.service on h1',
    );
    // The requirement: v2 serves again within 30 s of the failure.
    const failedAt = rolledBack?.type === 'deployment.finished' ? rolledBack.failedAt : undefined;
    expect(Date.parse(rolledBack?.at ?? '') - Date.parse(failedAt ?? '')).toBeLessThan(30_000);
    for (const host of hosts.hosts) {
      expect((await health(host.address, PORTS.staging)).body).toMatchObject({ version: '2.0.0' });
    }
  }, 180_000);

  it('refuses a hostile release archive in AfterInstall and writes nothing outside the release dir', async () => {
    const tarball = hostileTarball(join(hosts.dataDir, 'hostile.tar.gz'));
    const hostile = await h.pushRelease(tarball, '6.6.6');
    const events = await h.deploy('staging', hostile, { autoRollback: true, hosts: ['h1'] });
    const [failed] = finished(events);
    // Refused before anything switched; the host is put back on the last good release (2.0.0).
    expect(failed).toMatchObject({
      status: 'rolled_back',
      error: expect.stringContaining('AfterInstall failed on h1'),
    });
    expect(failed?.error).toContain('was refused');
    const found = await hosts.manager.exec('h1', [
      'sh',
      '-c',
      `find /etc /opt /var/lib /root /tmp -name 'tarmac-evil*' 2>/dev/null; ls -d /opt/tarmac/hello/staging/releases/${hostile.id} /opt/tarmac/hello/staging/releases/.incoming.* 2>/dev/null; true`,
    ]);
    expect(found.stdout).toBe('');
    expect((await health(hosts.hosts[0]?.address ?? '', PORTS.staging)).body).toMatchObject({ version: '2.0.0' });
  });

  it('keeps secret values out of units, the journal, the bundle, events and logs', async () => {
    for (const host of hosts.hosts) {
      const creds = await hosts.manager.exec(host.name, [
        'stat',
        '-c',
        '%a %U %n',
        ...['erlang_cookie', 'secret_key_base', 'database_password'].map(
          (n) => `/etc/tarmac/hello-staging/credentials/${n}`,
        ),
      ]);
      expect(
        creds.stdout
          .trim()
          .split('\n')
          .map((l) => l.split(' ').slice(0, 2).join(' ')),
      ).toEqual(Array(3).fill('600 root'));
      const show = await hosts.manager.exec(host.name, [
        'systemctl',
        'show',
        'tarmac-hello-staging.service',
        'tarmac-hello-production.service',
      ]);
      // Every field of every journal entry (including _CMDLINE, where the VM's command line is recorded) and
      // the argv of every process on the host (the VM, epmd, hooks, the migration, the wrapper).
      const journal = await hosts.manager.exec(host.name, ['journalctl', '--no-pager', '-o', 'json']);
      const argv = await hosts.manager.exec(host.name, [
        'sh',
        '-c',
        'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " <"$f"; echo; done 2>/dev/null; true',
      ]);
      const bundles = await hosts.manager.exec(host.name, [
        'sh',
        '-c',
        'cat /var/lib/tarmac-agent/deployment-root/*/*/deployment-archive/tarmac/* /var/lib/tarmac-agent/deployment-root/*/*/deployment-archive/appspec.yml',
      ]);
      const leftovers = await hosts.manager.exec(host.name, ['ls', '-A', '/var/lib/tarmac-agent/secrets']);
      expect(show.stdout).toContain('Environment=PORT=');
      expect(journal.stdout.length).toBeGreaterThan(1000);
      expect(journal.stdout).toContain('"_CMDLINE"');
      expect(argv.stdout).toMatch(/beam\.smp .*-setcookie -tarmac_cookie_file/);
      expect(bundles.stdout).toContain('TARMAC_SECRETS');
      expect(leftovers.stdout.trim()).toBe('');
      const everything = [
        show.stdout,
        journal.stdout,
        argv.stdout,
        bundles.stdout,
        JSON.stringify(h.events),
        h.logLines.join(''),
      ].join('\n');
      for (const value of secretValues) expect(everything.includes(value), where(everything, value)).toBe(false);
    }
  });

  it('keeps the cookie in a 0400 file of the service user, and rpc reaches the running VM with it', async () => {
    const cookie = (await h.secrets.get('hello/staging', 'erlang_cookie')) ?? '';
    const file = await hosts.manager.exec('h1', [
      'stat',
      '-c',
      '%a %U',
      '/var/lib/tarmac/hello/staging/.erlang.cookie',
    ]);
    expect(file.stdout.trim()).toBe('400 tarmac_hello_staging');
    // An operator's rpc: the service user, its home, the instance's node name; the cookie comes from the file.
    const expression =
      'IO.puts([Atom.to_string(node()), " ", Base.encode16(:erlang.md5(Atom.to_string(Node.get_cookie())), case: :lower)])';
    const rpc = await hosts.manager.exec('h1', [
      'runuser',
      '-u',
      'tarmac_hello_staging',
      '--',
      'env',
      '-i',
      'PATH=/usr/sbin:/usr/bin:/bin',
      'HOME=/var/lib/tarmac/hello/staging',
      'RELEASE_NODE=hello_staging',
      '/opt/tarmac/hello/staging/bin/tarmac-start',
      'rpc',
      expression,
    ]);
    expect(rpc.stdout.trim()).toMatch(/^hello_staging@\S+ /);
    expect(rpc.stdout.trim().split(' ')[1]).toBe(createHash('md5').update(cookie).digest('hex'));
  });
});

/** Where a leaked value sits (surrounding text with the value masked), for the failure message. */
function where(text: string, value: string): string {
  const at = text.indexOf(value);
  return at < 0 ? '' : text.slice(Math.max(0, at - 300), at + value.length + 100).replaceAll(value, '<SECRET>');
}

/**
 * A release tarball that tries every classic escape: `..` traversal, an absolute path, and a symlink to /etc
 * followed by a file written through it — next to a plausible `bin/hello`.
 */
function hostileTarball(path: string): string {
  const script = `
import io, sys, tarfile
with tarfile.open(sys.argv[1], 'w:gz', format=tarfile.GNU_FORMAT) as tar:
    def add(name, data=b'x', **kw):
        info = tarfile.TarInfo(name)
        for k, v in kw.items(): setattr(info, k, v)
        info.size = len(data) if info.type == tarfile.REGTYPE else 0
        tar.addfile(info, io.BytesIO(data) if info.type == tarfile.REGTYPE else None)
    add('bin/hello', b'#!/bin/sh\\n', mode=0o755)
    add('../../../../../../etc/tarmac-evil-traversal')
    add('/etc/tarmac-evil-absolute')
    add('lib/escape', type=tarfile.SYMTYPE, linkname='/etc')
    add('lib/escape/tarmac-evil-through-link')
`;
  execFileSync('python3', ['-c', script, path]);
  return path;
}
