import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config';
import { startPostgresql } from '../../functions/hosts/postgres';
import type { DeployerEvent } from '../../functions/ports';
import { buildFixture } from '../support/fixture';
import { bootTestHosts, type TestHosts } from '../support/hosts';
import { type DeployHarness, deployHarness, workDirIn } from '../support/local-deploy';
import { externalDatabase, linkHosts, psql as psqlIn, sh as shIn } from '../support/postgres';

// Real hosts, each running Debian's PostgreSQL; the real hello release migrating a real schema with psql.
// staging and production have local databases (provisioned by BeforeInstall on each host's server); `shared`
// uses an external database on h1's server that both hosts reach over a link between them (10.214.0.0/24).
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
`;
const PORTS = { staging: 4001, production: 4002, shared: 4003 } as const;
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
  h = await deployHarness(hosts.manager, workDirIn(hosts.dataDir), parseConfig(CONFIG));
  for (const env of Object.keys(PORTS)) {
    await h.secrets.set(`hello/${env}`, 'erlang_cookie', randomBytes(24).toString('hex'));
    await h.secrets.set(`hello/${env}`, 'secret_key_base', randomBytes(48).toString('base64url'));
  }
  await h.secrets.set('hello/shared', 'database_password', password);
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
