import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostOperatorHosts } from '../../functions/adapters/local/operator-hosts';
import { SqliteStateStore } from '../../functions/adapters/local/sqlite-state';
import { sshHostsOf } from '../../functions/core/config';
import type { TarmacConfig } from '../../functions/core/config/schema';
import { run } from '../../functions/hosts/run';
import { HostKeyChangedError } from '../../functions/hosts/ssh/errors';
import type { SshHosts } from '../../functions/hosts/ssh/ssh-hosts';
import { createLogger, silentLogger } from '../../functions/log';
import type { DeployerEvent } from '../../functions/ports';
import { accessHistory } from '../../functions/state/access';
import { operatorAccess } from '../../functions/worker/operator-access';
import { buildFixture } from '../support/fixture';
import { bootTestHosts, type TestHosts } from '../support/hosts';
import { type DeployHarness, deployHarness, workDirIn } from '../support/local-deploy';
import { pin, sshConfig, trustedSshHosts, watchProcesses } from '../support/ssh-fleet';

// Two real hosts running sshd; tarmac reaches them ONLY over SSH (the deployer is given SshHosts, never the
// nsenter HostManager). nsenter is used by the test alone, to look (ps) and to inject faults.
let hosts: TestHosts;
let config: TarmacConfig;
let ssh: SshHosts;
let h: DeployHarness;
let tarballs: ReturnType<typeof buildFixture>;
const secretValues: string[] = [];
const sshLog: string[] = [];

const finished = (events: DeployerEvent[]) => events.filter((e) => e.type === 'deployment.finished');
const hookTails = (events: DeployerEvent[], event: string) =>
  events.flatMap((e) => (e.type === 'host.event' && e.event === event && e.tail ? [`${e.host}: ${e.tail}`] : []));

async function inHost(name: string, script: string): Promise<string> {
  const host = hosts.hosts.find((x) => x.name === name);
  const result = await run(['nsenter', '-t', String(host?.pid1), '-a', 'sh', '-c', script], { timeoutMs: 60_000 });
  return result.stdout;
}

async function version(address: string): Promise<unknown> {
  const response = await fetch(`http://${address}:4001/health`, { signal: AbortSignal.timeout(5_000) });
  return ((await response.json()) as { version?: unknown }).version;
}

const migrations = async () =>
  (await Promise.all(hosts.hosts.map((x) => inHost(x.name, 'cat /var/lib/tarmac/hello/staging/migrations.log'))))
    .join('')
    .trim()
    .split('\n')
    .filter(Boolean);

beforeAll(async () => {
  tarballs = buildFixture();
  hosts = await bootTestHosts(2, { ssh: true });
  config = await sshConfig(hosts);
  ssh = await trustedSshHosts(
    hosts.dataDir,
    config,
    createLogger({ level: 'debug', destination: { write: (l: string) => sshLog.push(l) } as never }),
  );
  h = await deployHarness(ssh, workDirIn(hosts.dataDir), config);
  for (const name of ['erlang_cookie', 'secret_key_base', 'database_password']) {
    const value = `s3cret-${randomBytes(24).toString('hex')}`;
    secretValues.push(value);
    await h.secrets.set('hello/staging', name, value);
  }
}, 300_000);

afterAll(async () => {
  await ssh?.close();
  await hosts?.teardown();
});

describe('deploying to servers over SSH', { timeout: 300_000 }, () => {
  it('rolls out to two SSH hosts, migrating once, with no secret in any remote argv or environment', async () => {
    const watcher = watchProcesses(hosts);
    const v1 = await h.pushRelease(tarballs['1.0.0'], '1.0.0');
    const events = await h.deploy('staging', v1);
    const seen = await watcher.stop();

    expect(
      finished(events).map((e) => e.status),
      JSON.stringify(finished(events)),
    ).toEqual(['succeeded']);
    for (const host of hosts.hosts) expect(await version(host.address)).toBe('1.0.0');
    // One host ran the migration; the other was told it was done and did not run it.
    const starts = hookTails(events, 'ApplicationStart');
    expect(starts.filter((t) => t.includes('this host runs the migration'))).toHaveLength(1);
    expect(starts.filter((t) => /was done by h\d/.test(t))).toHaveLength(1);
    expect(await migrations()).toHaveLength(1);
    // The secrets reached the credentials directory…
    const stored = await inHost('h2', 'cat /etc/tarmac/hello-staging/credentials/database_password');
    expect(secretValues).toContain(stored);
    // …and never an argv or environment of a remote process, while the sampler did see the hooks run.
    expect(
      seen.some((line) => line.includes('before-install.sh') && line.includes('LIFECYCLE_EVENT=BeforeInstall')),
    ).toBe(true);
    expect(seen.some((line) => line.includes('tarmac-run'))).toBe(true);
    // The release itself (a unit given LoadCredential=, the service or its migration) gets its secrets in
    // its environment by design (the start wrapper); every other process must hold none.
    const commands = seen.filter((line) => !line.includes('CREDENTIALS_DIRECTORY='));
    const argvs = seen.map((line) => line.split(' | env ')[0]);
    for (const value of secretValues) {
      expect(commands.filter((line) => line.includes(value))).toEqual([]);
      expect(argvs.filter((line) => line?.includes(value))).toEqual([]);
    }
    // Nothing was left in the agent's secrets dir: the values came on stdin.
    expect(await inHost('h1', 'ls -A /var/lib/tarmac-agent/secrets 2>/dev/null | wc -l')).toBe('0\n');
  });

  it('reads the journal and runs eval over SSH as the API does (the server side of logs/eval --server)', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tarmac-ssh-access-'));
    const state = new SqliteStateStore(join(stateDir, 'state.db'));
    try {
      const access = operatorAccess({
        config,
        hosts: new HostOperatorHosts(ssh),
        secrets: h.secrets,
        state,
        clock: { now: () => new Date() },
        logger: silentLogger(),
        via: 'local',
        maxMs: 60_000,
      });
      const logs = await access.logs({ app: 'hello', env: 'staging', query: { lines: 50 }, by: 'ops_bot' });
      expect(logs.reads.map((r) => ('entries' in r ? r.entries.length > 0 : r.error))).toEqual([true, true]);
      const said = await access.eval({
        app: 'hello',
        env: 'staging',
        host: 'h2',
        expression: 'IO.puts(System.fetch_env!("SECRET_KEY_BASE"))',
        timeoutMs: 60_000,
        by: 'ops_bot',
      });
      expect(said).toMatchObject({ exitCode: 0, stdout: '[redacted secret_key_base]\n' });
      expect((await accessHistory(state, 'hello', 'staging'))[0]).toMatchObject({ by: 'ops_bot', exitCode: 0 });
    } finally {
      state.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('rolls a release that fails its health check back over SSH', async () => {
    const v3 = await h.pushRelease(tarballs['3.0.0'], '3.0.0');
    const events = await h.deploy('staging', v3, { autoRollback: true });
    expect(finished(events)).toMatchObject([{ status: 'rolled_back' }]);
    for (const host of hosts.hosts) expect(await version(host.address)).toBe('1.0.0');
  });

  it('finds out the fate of a hook whose connection was cut, without running it twice', async () => {
    const config = await sshConfig(hosts, 'Process.sleep(4000); Hello.Release.migrate()');
    const v2 = await h.pushRelease(tarballs['2.0.0'], '2.0.0');
    const before = (await migrations()).length;
    const seenBefore = h.events.length;
    const deploying = h.deploy('staging', v2, { config, hosts: ['h1'] });
    // Cut the connection while ApplicationStart (the 4 s migration) runs on h1: kill the SSH master.
    await waitFor(() =>
      h.events.slice(seenBefore).some((e) => e.type === 'host.event' && e.event === 'ApplicationStart'),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const pid = await ssh.masterPid('h1');
    expect(pid).toBeTypeOf('number');
    process.kill(pid as number, 'SIGKILL');
    const events = await deploying;

    expect(
      finished(events).map((e) => e.status),
      JSON.stringify(finished(events)),
    ).toEqual(['succeeded']);
    expect(sshLog.some((l) => l.includes('SSH connection lost during a command'))).toBe(true);
    expect(await version(hosts.hosts[0]?.address as string)).toBe('2.0.0');
    expect((await migrations()).length).toBe(before + 1);
  });

  it('refuses a server whose host key changed until it is trusted again', async () => {
    await inHost('h2', 'rm -f /etc/ssh/ssh_host_* && ssh-keygen -A -q && systemctl restart ssh.service');
    await ssh.close(); // the next command needs a new connection, and so a host key check
    await expect(ssh.exec('h2', ['true'])).rejects.toBeInstanceOf(HostKeyChangedError);
    const v1 = await h.pushRelease(tarballs['1.0.0'], '1.0.0');
    const events = await h.deploy('staging', v1, { hosts: ['h2'] });
    expect(finished(events)).toMatchObject([{ status: 'failed' }]);
    expect(JSON.stringify(finished(events))).toContain('does not match the one pinned');
    expect(events.filter((e) => e.type === 'host.event' && e.status !== 'skipped')).toEqual([]);

    const servers = sshHostsOf(await sshConfig(hosts));
    await expect(pin(hosts.dataDir, servers, [])).rejects.toThrow(/changed since it was pinned.*--replace h2/);
    await pin(hosts.dataDir, servers, ['h2']);
    expect((await ssh.exec('h2', ['true'])).code).toBe(0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
