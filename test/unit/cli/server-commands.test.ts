import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../functions/cli/main';
import { memoryOutput } from '../../../functions/cli/output';
import { parseConfig } from '../../../functions/core/config';
import { type LocalRuntime, openLocalRuntime } from '../../../functions/local/runtime';
import { type RunningServer, startServer } from '../../../functions/local/server';
import { silentLogger } from '../../../functions/log';
import { issueToken } from '../../../functions/state/tokens';
import { EXAMPLE_CONFIG, SECRETS } from '../../support/http-harness';

/**
 * Client commands with `--server` against `tarmac serve` (in-process, with its worker), run as from another
 * directory: `--config` and `--data` point at paths that do not exist, and must stay so.
 */
describe('client commands with --server and a deploy token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-server-cli-'));
  const elsewhere = join(dir, 'another-directory');
  let runtime: LocalRuntime;
  let server: RunningServer;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const config = parseConfig(EXAMPLE_CONFIG);
    runtime = await openLocalRuntime({ dataDir: join(dir, 'data'), config, logger: silentLogger() });
    for (const [name, value] of Object.entries(SECRETS)) await runtime.adapters.secrets.set('_global', name, value);
    const clock = runtime.adapters.clock;
    tokens.ci = await issueToken(runtime.adapters.secrets, clock, {
      name: 'ci_bot',
      scope: 'deploy',
      environments: [],
    });
    tokens.viewer = await issueToken(runtime.adapters.secrets, clock, {
      name: 'viewer',
      scope: 'read',
      environments: [],
    });
    tokens.root = await issueToken(runtime.adapters.secrets, clock, { name: 'root', scope: 'admin', environments: [] });
    server = await startServer({ config, adapters: runtime.adapters, port: 0, logger: silentLogger() });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await server?.close();
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tarmac = async (token: string | undefined, ...args: string[]) => {
    vi.stubEnv('TARMAC_TOKEN', token ?? '');
    const out = memoryOutput();
    const where = ['--config', join(elsewhere, 'tarmac.yml'), '--data', join(elsewhere, '.tarmac')];
    const code = await main(['node', 'tarmac', ...where, '--server', server.url, ...args], out);
    return { code, stdout: out.out.join(''), stderr: out.err.join('') };
  };

  it('locks and unlocks with the token name as who did it, and status shows the lock', async () => {
    expect(await tarmac(tokens.ci, 'lock', 'hello', 'production', '--reason', 'freeze')).toEqual({
      code: 0,
      stdout: 'hello/production locked by ci_bot: "freeze"\n',
      stderr: '',
    });
    const status = await tarmac(tokens.viewer, 'status', 'hello');
    expect(status.stdout).toMatch(/hello\/production\s+\(nothing deployed\)\n {2}locked by ci_bot \d+ s ago: "freeze"/);
    expect(status.stdout).toContain('fleet web                free\n');
    expect((await tarmac(tokens.ci, 'unlock', 'hello', 'production')).stdout).toBe(
      'hello/production unlocked by ci_bot\n',
    );
  });

  it('answers refusals with the worker messages a local run prints, and exit 1', async () => {
    expect(await tarmac(tokens.ci, 'deploy', 'hello', 'staging', '--wait')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: hello: no accepted release at all — push one with tarmac release push\n',
    });
    expect((await tarmac(tokens.ci, 'abort', 'hello', 'staging')).stderr).toBe(
      'error: hello/staging: nothing to abort — no deployment of it runs\n',
    );
    expect((await tarmac(tokens.viewer, 'plan', 'hello', 'staging')).stderr).toBe(
      'error: hello: no accepted release yet — tarmac release push <tarball> --app hello --version <v>\n',
    );
    expect((await tarmac(tokens.ci, 'fleet', 'free', 'web', '--reason', 'x')).stdout).toBe('fleet web is free\n');
    expect((await tarmac(tokens.viewer, '--json', 'fleet', 'list')).stdout).toMatch(/"fleet": "web"/);
  });

  it('fails a write with a read token or none, saying what is needed', async () => {
    const read = await tarmac(tokens.viewer, 'lock', 'hello', 'staging', '--reason', 'x');
    expect(read.code).toBe(1);
    expect(read.stderr).toMatch(/token "viewer" is a read token — this request changes state and needs a deploy token/);
    const none = await tarmac(undefined, 'rollback', 'hello', 'staging');
    expect(none.stderr).toMatch(/a deploy token is required and none was sent .*\(TARMAC_TOKEN is not set\)/);
  });

  it('sets, lists and initialises secrets in the server store with an admin token, the same lines as locally', async () => {
    const valueFile = join(dir, 'value');
    writeFileSync(valueFile, 'hunter2-database-password\n');
    expect(
      await tarmac(tokens.root, 'secrets', 'set', 'hello/staging', 'database_password', '--value-file', valueFile),
    ).toEqual({ code: 0, stdout: 'hello/staging/database_password: set\n', stderr: '' });
    expect(await runtime.adapters.secrets.get('hello/staging', 'database_password')).toBe('hunter2-database-password');
    expect((await tarmac(tokens.root, 'secrets', 'init', 'hello', 'staging')).stdout).toBe(
      'hello/staging: generated erlang_cookie, secret_key_base\n',
    );
    expect((await tarmac(tokens.root, 'secrets', 'init', 'hello', 'staging')).stdout).toBe(
      'hello/staging: nothing to generate\n',
    );
    const list = await tarmac(tokens.root, 'secrets', 'list', 'hello/staging');
    expect(list.stdout).toBe('database_password\nerlang_cookie\nsecret_key_base\n');
    expect((await tarmac(tokens.root, 'secrets', 'list', 'hello/production')).stdout).toBe(
      '(no secrets in hello/production)\n',
    );
    const denied = await tarmac(tokens.ci, 'secrets', 'list', 'hello/staging');
    expect(denied).toMatchObject({ code: 1 });
    expect(denied.stderr).toMatch(/token "ci_bot" is a deploy token — secrets and tokens need an admin token/);
    const both = await tarmac(tokens.root, 'secrets', 'list', '_global', '--aws');
    expect(both.stderr).toMatch(/give either --aws .* or --server .*, not both/);
    expect(existsSync(elsewhere)).toBe(false);
  });

  it('creates, lists and revokes tokens on the server; the new token works at once', async () => {
    const created = await tarmac(
      tokens.root,
      'tokens',
      'create',
      'alice',
      '--scope',
      'deploy',
      '--env',
      'hello/staging',
    );
    expect(created.code).toBe(0);
    expect(created.stderr).toBe(
      'token alice (deploy for hello/staging) created — shown once, store it now; servers see it within a minute\n',
    );
    const alice = created.stdout.trim();
    expect((await tarmac(alice, 'lock', 'hello', 'staging', '--reason', 'mine')).stdout).toBe(
      'hello/staging locked by alice: "mine"\n',
    );
    await tarmac(alice, 'unlock', 'hello', 'staging');
    const list = await tarmac(tokens.root, 'tokens', 'list');
    expect(list.stdout).toMatch(/^alice {16}deploy hello\/staging {2}created \S+\nci_bot {15}deploy {2}created/);
    expect(list.stdout).toMatch(/\nroot {17}admin {2}created/);
    expect(await tarmac(tokens.root, 'tokens', 'revoke', 'alice')).toEqual({
      code: 0,
      stdout: 'token alice: revoked\n',
      stderr: '',
    });
    expect((await tarmac(alice, 'lock', 'hello', 'staging', '--reason', 'x')).stderr).toMatch(/was revoked/);
    expect((await tarmac(tokens.ci, 'tokens', 'list')).stderr).toMatch(/need an admin token/);
  });

  it('sends logs and eval to the server, which says when it does not reach hosts; --aws is refused beside it', async () => {
    expect(await tarmac(tokens.viewer, 'logs', 'hello', 'staging')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: this server does not reach hosts (no operator access configured) — run the command where the hosts are\n',
    });
    expect((await tarmac(tokens.ci, 'eval', 'hello', 'staging', '--host', 'h1', '1')).stderr).toMatch(
      /this server does not reach hosts/,
    );
    expect((await tarmac(tokens.viewer, 'logs', 'hello', 'staging', '--aws')).stderr).toBe(
      'error: tarmac logs: --aws and --server both say how to reach the hosts — drop --aws (the server reaches its own hosts)\n',
    );
    expect(existsSync(elsewhere)).toBe(false);
  });

  it('refuses --server for commands that cannot use it, before they touch anything', async () => {
    for (const args of [['config', 'check'], ['init'], ['hosts', 'list'], ['release', 'check', 'x.tar.gz']]) {
      const { code, stderr } = await tarmac(tokens.ci, ...args);
      expect(code).toBe(1);
      expect(stderr).toBe(
        `error: "tarmac ${args.slice(0, 2).join(' ')}" does not work with --server (${server.url}) yet — run it where its data is, without --server\n`,
      );
    }
    expect(existsSync(elsewhere)).toBe(false);
  });
});
