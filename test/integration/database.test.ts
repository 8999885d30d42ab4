import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config';
import { startPostgresql } from '../../functions/hosts/postgres';
import type { DeployerEvent } from '../../functions/ports';
import { initInstanceSecrets } from '../../functions/state/secrets';
import { buildFixture } from '../support/fixture';
import { bootTestHosts, type TestHosts } from '../support/hosts';
import { type DeployHarness, deployHarness, workDirIn } from '../support/local-deploy';
import { externalDatabase, linkHosts, psql as psqlIn, sh as shIn } from '../support/postgres';

// Real hosts, each running Debian's PostgreSQL; the real hello release migrating a real schema with psql.
// staging and production have local databases (provisioned by BeforeInstall on each host's server); `shared`
// uses an external database on h1's server that both hosts reach over a link between them (10.214.0.0/24);
// `fleet` has its database on h1, the fleet's database host, which tarmac provisions there and admits h2 to
// (both hosts reach h1 by name, as a fleet's DNS would say: /etc/hosts).
const CONFIG = `
fleets: { web: { hosts: [h1, h2] } }
apps:
  hello:
    repo: acme/hello
    release: hello
    migrate: Hello.Release.migrate()
    fleet: web
    environments:
      staging: { port: 4001, database: hello_staging, health: { timeout: 15 } }
      production: { port: 4002, database: {}, health: { timeout: 30 } }
      shared:
        port: 4003
        database: { host: 10.214.0.1, name: hello_shared, user: hello_shared }
        health: { timeout: 30 }
      fleet: { port: 4004, database: { server: h1 }, health: { timeout: 30 } }
`;
const PORTS = { staging: 4001, production: 4002, shared: 4003, fleet: 4004 } as const;
const password = randomBytes(24).toString('base64url');
let hosts: TestHosts;
let h: DeployHarness;
let tarballs: ReturnType<typeof buildFixture>;
let releases: Record<string, Awaited<ReturnType<DeployHarness['pushRelease']>>>;

const finished = (events: DeployerEvent[]) =>
  events.flatMap((e) => (e.type === 'deployment.finished' ? [e.status] : []));

const sh = (host: string, script: string) => shIn(hosts.manager, host, script);
const psql = (host: string, db: string, sql: string, user?: string) => psqlIn(hosts.manager, host, db, sql, user);
const rows = async (host: string, db: string, sql: string) => (await psql(host, db, sql)).stdout.trim();

async function health(host: string, env: keyof typeof PORTS) {
  const address = hosts.hosts.find((x) => x.name === host)?.address;
  const response = await fetch(`http://${address}:${PORTS[env]}/health`, { signal: AbortSignal.timeout(5_000) });
  return { code: response.status, ...((await response.json()) as Record<string, unknown>) };
}

beforeAll(async () => {
  tarballs = buildFixture();
  hosts = await bootTestHosts(2);
  await startPostgresql(hosts.manager, ['h1', 'h2']);
  await linkHosts(hosts.manager, hosts.hosts);
  await externalDatabase(hosts.manager, 'h1', 'hello_shared', password);
  for (const host of ['h1', 'h2']) await sh(host, 'printf "10.214.0.1 h1\\n10.214.0.2 h2\\n" >> /etc/hosts');
  // h1's server speaks TLS, as Debian's does where ssl-cert is installed (a self-signed certificate here).
  await sh(
    'h1',
    `openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=h1 -keyout /etc/postgresql/tls.key -out /etc/postgresql/tls.crt 2>/dev/null
chown postgres: /etc/postgresql/tls.key && chmod 0600 /etc/postgresql/tls.key
printf "ssl = on\\nssl_cert_file = '/etc/postgresql/tls.crt'\\nssl_key_file = '/etc/postgresql/tls.key'\\n" > "$(ls -d /etc/postgresql/*/main | tail -1)/conf.d/tarmac-tls.conf"
systemctl restart postgresql && until pg_isready -q -h /run/postgresql; do sleep 0.2; done`,
  );
  h = await deployHarness(hosts.manager, workDirIn(hosts.dataDir), parseConfig(CONFIG));
  for (const env of Object.keys(PORTS)) {
    await h.secrets.set(`hello/${env}`, 'erlang_cookie', randomBytes(24).toString('hex'));
    await h.secrets.set(`hello/${env}`, 'secret_key_base', randomBytes(48).toString('base64url'));
  }
  await h.secrets.set('hello/shared', 'database_password', password);
  // The fleet database's role password is tarmac's own: generated as `tarmac secrets init` does.
  expect(await initInstanceSecrets(h.secrets, 'hello/fleet', ['database_password'])).toContain('database_password');
  releases = {};
  for (const version of ['1.0.0', '2.0.0', '3.0.0'] as const)
    releases[version] = await h.pushRelease(tarballs[version], version);
}, 900_000); // includes waiting for the machine-wide host lock while other files hold it

afterAll(async () => {
  await hosts?.teardown();
});

describe('databases on real hosts with PostgreSQL', { timeout: 240_000 }, () => {
  it('gives staging and production on one host their own database, owned by their own role', async () => {
    const deployed = await Promise.all(
      ['staging', 'production', 'shared'].map((env) => h.deploy(env, releases['1.0.0'] as never)),
    );
    for (const events of deployed) expect(finished(events), JSON.stringify(events.at(-1))).toEqual(['succeeded']);
    for (const host of ['h1', 'h2']) {
      expect(
        await rows(
          host,
          'postgres',
          "SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE datname LIKE 'hello%' ORDER BY 1",
        ),
      ).toBe(
        host === 'h1'
          ? 'hello_production|tarmac_hello_production\nhello_shared|hello_shared\nhello_staging|tarmac_hello_staging'
          : 'hello_production|tarmac_hello_production\nhello_staging|tarmac_hello_staging',
      );
      for (const env of ['staging', 'production', 'shared'] as const)
        expect(await health(host, env)).toMatchObject({ code: 200, version: '1.0.0', schema: 1 });
    }
  });

  it("keeps each role out of the other instance's database", async () => {
    const own = await psql('h1', 'hello_staging', 'SELECT text FROM greetings', 'tarmac_hello_staging');
    expect(own.stdout.trim()).toBe('hello');
    const other = await psql('h1', 'hello_production', 'SELECT 1', 'tarmac_hello_staging');
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain('permission denied for database "hello_production"');
    const asOther = await hosts.manager.exec('h1', [
      'runuser',
      '-u',
      'tarmac_hello_staging',
      '--',
      'psql',
      '-X',
      '-h',
      '/run/postgresql',
      '-U',
      'tarmac_hello_production',
      '-d',
      'hello_production',
      '-c',
      'SELECT 1',
    ]);
    expect(asOther.stderr).toContain('Peer authentication failed for user "tarmac_hello_production"');
  });

  it("runs 2.0.0's migration once across two hosts on the shared database, once per host on local ones", async () => {
    for (const env of ['shared', 'staging'])
      expect(finished(await h.deploy(env, releases['2.0.0'] as never))).toEqual(['succeeded']);
    const runs = await rows(
      'h1',
      'hello_shared',
      "SELECT release, applied FROM migration_runs WHERE release = '2.0.0'",
    );
    expect(runs).toBe('2.0.0|{2}');
    expect(await rows('h1', 'hello_shared', 'SELECT version FROM schema_migrations ORDER BY 1')).toBe('1\n2');
    for (const host of ['h1', 'h2']) {
      expect(
        await rows(host, 'hello_staging', "SELECT host, applied FROM migration_runs WHERE release = '2.0.0'"),
      ).toBe(`${host}|{2}`);
      expect(await health(host, 'shared')).toMatchObject({ version: '2.0.0', schema: 2 });
      expect(await health(host, 'staging')).toMatchObject({ version: '2.0.0', schema: 2 });
      expect(await health(host, 'production')).toMatchObject({ version: '1.0.0', schema: 1 });
    }
  });

  it('leaves the schema alone when a broken release is rolled back', async () => {
    expect(finished(await h.deploy('staging', releases['3.0.0'] as never, { autoRollback: true }))).toEqual([
      'rolled_back',
    ]);
    // One at a time: h1 migrated to 3 and failed its health check, so h2 never got 3.0.0. Rolling back
    // switches the code, not the schema: migration 3 (a new column) stays, and 2.0.0 runs on it.
    const schemas = { h1: ['1\n2\n3', '1', 3], h2: ['1\n2', '0', 2] } as const;
    for (const [host, [versions, shouted, schema]] of Object.entries(schemas)) {
      expect(await rows(host, 'hello_staging', 'SELECT version FROM schema_migrations ORDER BY 1')).toBe(versions);
      const columns = "SELECT count(*) FROM information_schema.columns WHERE column_name = 'shouted'";
      expect(await rows(host, 'hello_staging', columns)).toBe(shouted);
      expect(await health(host, 'staging')).toMatchObject({ code: 200, version: '2.0.0', schema });
    }
  });

  it('hands the external database password to the service only through LoadCredential', async () => {
    for (const host of ['h1', 'h2']) {
      const unit = await sh(host, 'cat /etc/systemd/system/tarmac-hello-shared.service');
      expect(unit).toContain('LoadCredential=database_password:/etc/tarmac/hello-shared/credentials/database_password');
      expect(unit).toContain('Environment="DATABASE_HOST=10.214.0.1"');
      const pid = await sh(host, 'systemctl show -P MainPID tarmac-hello-shared.service');
      // The VM's environment has it (exported by the start wrapper from the credential) …
      expect(await sh(host, `cat /proc/${pid}/environ | tr '\\0' '\\n' | grep '^DATABASE_PASSWORD='`)).toBe(
        `DATABASE_PASSWORD=${password}`,
      );
      // … and nothing else shows it: unit properties, any process's argv, the journal, the bundle.
      const elsewhere = await sh(
        host,
        'systemctl show tarmac-hello-shared.service; cat /proc/[0-9]*/cmdline | tr "\\0" " "; journalctl --no-pager -o verbose; cat /var/lib/tarmac-agent/deployment-root/*/*/deployment-archive/tarmac/*',
      );
      expect(elsewhere.length).toBeGreaterThan(1000);
      expect(elsewhere.includes(password)).toBe(false);
      // An external database is never provisioned: no tarmac role for it on either host's server.
      expect(await rows(host, 'postgres', "SELECT count(*) FROM pg_roles WHERE rolname = 'tarmac_hello_shared'")).toBe(
        '0',
      );
    }
    expect(h.logLines.join('').includes(password)).toBe(false);
  });
});

describe('a database on a database host of the fleet', { timeout: 240_000 }, () => {
  const role = 'tarmac_hello_fleet';

  it('is provisioned on h1 only, and both hosts use it over TCP with the role password', async () => {
    const events = await h.deploy('fleet', releases['1.0.0'] as never);
    expect(finished(events), JSON.stringify(events.at(-1))).toEqual(['succeeded']);
    expect(
      await rows('h1', 'postgres', "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'hello_fleet'"),
    ).toBe(role);
    expect(await rows('h2', 'postgres', "SELECT count(*) FROM pg_database WHERE datname = 'hello_fleet'")).toBe('0');
    expect(await rows('h2', 'postgres', `SELECT count(*) FROM pg_roles WHERE rolname = '${role}'`)).toBe('0');
    // h1 (the database host) went first and provisioned it; h2 waited until the role could log in.
    const tail = (host: string) =>
      events.flatMap((e) =>
        e.type === 'host.event' && e.host === host && e.event === 'BeforeInstall' && e.status === 'succeeded'
          ? [e.tail ?? '']
          : [],
      )[0];
    expect(tail('h1')).toMatch(/database hello_fleet ready for the fleet: role tarmac_hello_fleet logs in over TCP/);
    expect(tail('h2')).toMatch(/database hello_fleet on h1 answers for role tarmac_hello_fleet/);
    const hba = await sh('h1', 'cat "$(runuser -u postgres -- psql -XAtc "SHOW hba_file")"');
    expect(hba).toMatch(new RegExp(`^hostssl hello_fleet ${role} 0\\.0\\.0\\.0/0 scram-sha-256$`, 'm'));
    for (const host of ['h1', 'h2']) expect(await health(host, 'fleet')).toMatchObject({ code: 200, schema: 1 });
  });

  it("runs 2.0.0's migration once for the fleet, and both hosts see the one schema", async () => {
    expect(finished(await h.deploy('fleet', releases['2.0.0'] as never))).toEqual(['succeeded']);
    expect(await rows('h1', 'hello_fleet', 'SELECT version FROM schema_migrations ORDER BY 1')).toBe('1\n2');
    expect(
      await rows(
        'h1',
        'hello_fleet',
        "SELECT count(*), string_agg(host, ',') FROM migration_runs WHERE release = '2.0.0'",
      ),
    ).toMatch(/^1\|h[12]$/);
    for (const host of ['h1', 'h2']) expect(await health(host, 'fleet')).toMatchObject({ version: '2.0.0', schema: 2 });
  });

  it('admits only the role with its password, over TLS, and keeps the password out of units and argv', async () => {
    const secret = (await h.secrets.getAll('hello/fleet')).database_password ?? '';
    const login = (pw: string) =>
      hosts.manager.exec(
        'h2',
        [
          'sh',
          '-c',
          `PGPASSWORD="$(cat)" psql -XAtw -h h1 -U ${role} -d hello_fleet -c 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'`,
        ],
        { input: pw },
      );
    const ok = await login(secret);
    expect(ok.stdout.trim(), ok.stderr).toBe('t');
    const wrong = await login(`${secret}x`);
    expect(wrong.stderr).toContain(`password authentication failed for user "${role}"`);
    for (const host of ['h1', 'h2']) {
      const unit = await sh(host, 'cat /etc/systemd/system/tarmac-hello-fleet.service');
      expect(unit).toContain('Environment="DATABASE_HOST=h1"');
      expect(unit).toContain('LoadCredential=database_password:/etc/tarmac/hello-fleet/credentials/database_password');
      const elsewhere = await sh(
        host,
        'systemctl show tarmac-hello-fleet.service; cat /proc/[0-9]*/cmdline | tr "\\0" " "; cat /var/lib/tarmac-agent/deployment-root/hello-fleet/*/deployment-archive/tarmac/*',
      );
      expect(elsewhere.includes(secret)).toBe(false);
    }
  });
});
