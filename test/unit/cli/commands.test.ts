import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliInTempDir } from './cli-harness';

const { paths, tarmac } = cliInTempDir('tarmac-cli-');

describe('tarmac CLI', () => {
  it('config check accepts the example and lists instances', async () => {
    const { code, stdout } = await tarmac('config', 'check');
    expect(code).toBe(0);
    expect(stdout).toContain('hello/staging  fleet web  port 4001  user tarmac_hello_staging  db none');
  });

  it('config check fails with exit 1 listing every clash with both instance names', async () => {
    const text = (await import('node:fs')).readFileSync(paths.config, 'utf8');
    writeFileSync(
      paths.config,
      text
        .replace('port: 4001', 'port: 4001\n        database: hello_staging')
        .replace('port: 4002', 'port: 4001\n        database: hello_staging'),
    );
    const { code, stderr } = await tarmac('config', 'check');
    expect(code).toBe(1);
    expect(stderr).toContain('port 4001 is used by hello/staging and hello/production on fleet web');
    expect(stderr).toContain('database hello_staging is used by hello/staging and hello/production on fleet web');
  });

  it('config check --json reports errors as data', async () => {
    writeFileSync(paths.config, 'fleets: {}\napps: { x: 1 }\n');
    const { code, stdout } = await tarmac('--json', 'config', 'check');
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, errors: [{ path: 'apps.x' }] });
  });

  it('secrets init generates the cookie and key base once, files 0600, values never printed', async () => {
    const first = await tarmac('secrets', 'init', 'hello', 'staging');
    expect(first.stdout).toContain('generated erlang_cookie, secret_key_base');
    expect(first.stdout).toContain('still missing: database_password');
    const again = await tarmac('secrets', 'init', 'hello', 'staging');
    expect(again.stdout).toContain('nothing to generate');
    const cookie = join(paths.data, 'secrets', 'hello', 'staging', 'erlang_cookie');
    expect(statSync(cookie).mode & 0o777).toBe(0o600);
    const value = (await import('node:fs')).readFileSync(cookie, 'utf8');
    expect(value.length).toBeGreaterThanOrEqual(43);
    expect(first.stdout + again.stdout).not.toContain(value);
    const list = await tarmac('secrets', 'list', 'hello/staging');
    expect(list.stdout).toBe('erlang_cookie\nsecret_key_base\n');
  });

  it('fails on an unknown environment naming the known ones', async () => {
    const { code, stderr } = await tarmac('secrets', 'init', 'hello', 'prod');
    expect(code).toBe(1);
    expect(stderr).toBe('error: unknown environment "prod" of hello — known: staging, production\n');
  });

  it('locks, shows the lock with its age in status, and refuses a deploy saying how to unlock', async () => {
    expect((await tarmac('lock', 'hello', 'production', '--reason', 'db maintenance')).code).toBe(0);
    const status = await tarmac('status', 'hello');
    expect(status.stdout).toMatch(
      /hello\/production\s+\(nothing deployed\)\n {2}locked by \S+ \d+ s ago: "db maintenance"/,
    );
    const json = JSON.parse((await tarmac('--json', 'status')).stdout);
    expect(json[1]).toMatchObject({ app: 'hello', env: 'production', lock: { reason: 'db maintenance' } });
    const deploy = await tarmac('deploy', 'hello', 'production');
    expect(deploy.code).toBe(1);
    expect(deploy.stderr).toMatch(/locked by \S+ \d+ s ago: "db maintenance" — tarmac unlock hello production/);
  });

  it('refuses a deploy when no release was pushed', async () => {
    const { code, stderr } = await tarmac('deploy', 'hello', 'staging');
    expect(code).toBe(1);
    expect(stderr).toContain('no accepted release at all — push one with tarmac release push');
  });
});
