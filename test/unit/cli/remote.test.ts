import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openLocalAdapters } from '../../../functions/adapters/local';
import { main } from '../../../functions/cli/main';
import { memoryOutput } from '../../../functions/cli/output';
import { parseConfig } from '../../../functions/core/config';
import { type RunningServer, startServer } from '../../../functions/local/server';
import { silentLogger } from '../../../functions/log';
import { recordAccess } from '../../../functions/state/access';
import { putLock } from '../../../functions/state/locks';
import { recordMaintenance } from '../../../functions/state/maintenance';
import { EXAMPLE_CONFIG, SECRETS } from '../../support/http-harness';

describe('tarmac --server (client of a running server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-remote-'));
  const adapters = openLocalAdapters(dir);
  let server: RunningServer;

  beforeAll(async () => {
    for (const [name, value] of Object.entries(SECRETS)) await adapters.secrets.set('_global', name, value);
    await putLock(adapters.state, {
      app: 'hello',
      env: 'production',
      by: 'alice',
      reason: 'freeze',
      since: new Date().toISOString(),
    });
    server = await startServer({ config: parseConfig(EXAMPLE_CONFIG), adapters, port: 0, logger: silentLogger() });
  });
  afterAll(async () => {
    await server.close();
    adapters.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tarmac = async (...args: string[]) => {
    const out = memoryOutput();
    const code = await main(['node', 'tarmac', '--server', server.url, ...args], out);
    return { code, stdout: out.out.join(''), stderr: out.err.join('') };
  };

  it('shows status through the read API, with the lock', async () => {
    const { code, stdout } = await tarmac('status');
    expect(code).toBe(0);
    expect(stdout).toMatch(/hello\/staging\s+\(nothing deployed\)/);
    expect(stdout).toMatch(/hello\/production\s+\(nothing deployed\)\n {2}locked by alice \d+ s ago: "freeze"/);
  });

  it('shows history as JSON through the read API', async () => {
    const { code, stdout } = await tarmac('--json', 'history', 'hello', 'staging');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it('lists operator sessions and maintenance switches in history, as a local run does', async () => {
    const at = (min: number) => new Date(Date.now() - min * 60_000).toISOString();
    await recordAccess(adapters.state, {
      id: 'a1',
      app: 'hello',
      env: 'staging',
      host: 'h1',
      kind: 'eval',
      expression: 'IO.puts(node())',
      by: 'alice',
      at: at(5),
      via: 'local',
      endedAt: at(4),
      exitCode: 0,
    });
    const switched = { app: 'hello', env: 'staging', by: 'bob', hosts: ['h1', 'h2'], failed: [] };
    await recordMaintenance(adapters.state, { ...switched, on: true, reason: 'db move', since: at(3) });
    await recordMaintenance(adapters.state, { ...switched, on: false, since: at(1) });
    const remote = await tarmac('history', 'hello', 'staging');
    expect(remote.code).toBe(0);
    const lines = remote.stdout.split('\n');
    expect(lines[0]).toBe('hello/staging: no deployments yet');
    expect(lines[1]).toMatch(/ {2}maintenance off {10}bob {8}h1 h2$/);
    expect(lines[2]).toMatch(/ {2}maintenance on {11}bob {8}h1 h2 "db move"$/);
    expect(lines[3]).toMatch(/ {2}eval {9}h1 {10}exit 0 {3}alice {6}via local {2}"IO\.puts\(node\(\)\)"$/);
    // The same lines as `tarmac history` on the server's own data.
    const out = memoryOutput();
    const local = ['--config', join(dir, 'tarmac.yml'), '--data', dir, 'history', 'hello', 'staging'];
    writeFileSync(join(dir, 'tarmac.yml'), EXAMPLE_CONFIG);
    expect(await main(['node', 'tarmac', ...local], out)).toBe(0);
    expect(out.out.join('')).toBe(remote.stdout);
    // --json still prints the deployments only.
    expect(JSON.parse((await tarmac('--json', 'history', 'hello', 'staging')).stdout)).toEqual([]);
  });

  it('fails with the server message for an unknown app (the same as a local run)', async () => {
    const { code, stderr } = await tarmac('status', 'nope');
    expect(code).toBe(1);
    expect(stderr).toBe('error: unknown app "nope" — known: hello\n');
  });
});

describe('tarmac --server against a server with a read token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-remote-token-'));
  const adapters = openLocalAdapters(dir);
  let server: RunningServer;

  beforeAll(async () => {
    for (const [name, value] of Object.entries(SECRETS)) await adapters.secrets.set('_global', name, value);
    vi.stubEnv('TARMAC_DASHBOARD_TOKEN', 'remote-read-token');
    server = await startServer({ config: parseConfig(EXAMPLE_CONFIG), adapters, port: 0, logger: silentLogger() });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await server.close();
    adapters.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const status = async () => {
    const out = memoryOutput();
    const code = await main(['node', 'tarmac', '--server', server.url, 'status'], out);
    return { code, stdout: out.out.join(''), stderr: out.err.join('') };
  };

  it('fails saying a token is required without TARMAC_TOKEN, and shows status with it', async () => {
    vi.stubEnv('TARMAC_TOKEN', '');
    const refused = await status();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('a token is required and none was sent');
    expect(refused.stderr).toContain('(TARMAC_TOKEN is not set)');
    vi.stubEnv('TARMAC_TOKEN', 'remote-read-token');
    const shown = await status();
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/hello\/staging\s+\(nothing deployed\)/);
  });
});
