import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
    for (const args of [
      ['config', 'check'],
      ['secrets', 'list', '_global'],
      ['tokens', 'list'],
      ['hosts', 'list'],
      ['release', 'check', 'x.tar.gz'],
    ]) {
      const { code, stderr } = await tarmac(tokens.ci, ...args);
      expect(code).toBe(1);
      expect(stderr).toBe(
        `error: "tarmac ${args.slice(0, 2).join(' ')}" does not work with --server (${server.url}) yet — run it where its data is, without --server\n`,
      );
    }
    expect(existsSync(elsewhere)).toBe(false);
  });
});
