import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FileSecretStore } from '../../functions/adapters/local/file-secrets';
import { main } from '../../functions/cli/main';
import { memoryOutput } from '../../functions/cli/output';
import { parseConfig } from '../../functions/core/config';
import { type RunningServer, startServer } from '../../functions/local/server';
import { silentLogger } from '../../functions/log';
import { accessHistory } from '../../functions/state/access';
import { issueToken } from '../../functions/state/tokens';
import { buildFixture, REPO_ROOT } from '../support/fixture';
import { bootTestHosts, type TestHosts } from '../support/hosts';
import { SECRETS } from '../support/http-harness';

// tarmac logs, eval and console through the real CLI, on two real hosts running the real hello release,
// deployed by the CLI itself (`deploy --wait` works the queue in-process).
let hosts: TestHosts;
let config: string;
let secrets: Record<string, string>;
const deployments: Record<string, string> = {};
// `tarmac serve`'s API over the same data dir and hosts, for --server from a directory with no data.
let server: RunningServer;
const tokens = { ops: '', viewer: '' };
const elsewhere = () => join(hosts.dataDir, 'another-directory');

async function tarmac(...args: string[]) {
  const out = memoryOutput();
  const code = await main(['node', 'tarmac', '--config', config, '--data', hosts.dataDir, ...args], out);
  return { code, stdout: out.out.join(''), stderr: out.err.join('') };
}

async function deploy(version: '1.0.0' | '2.0.0', tarball: string) {
  expect((await tarmac('release', 'push', tarball, '--app', 'hello', '--version', version)).code).toBe(0);
  const run = await tarmac('--json', 'deploy', 'hello', 'staging', '--version', version, '--wait');
  expect(run.code, run.stderr).toBe(0);
  const history = JSON.parse((await tarmac('--json', 'history', 'hello', 'staging')).stdout) as {
    id: string;
    version: string;
    status: string;
  }[];
  const newest = history[0];
  expect(newest).toMatchObject({ version, status: 'succeeded' });
  deployments[version] = newest?.id ?? '';
}

beforeAll(async () => {
  const tarballs = buildFixture();
  hosts = await bootTestHosts(2);
  config = join(hosts.dataDir, 'tarmac.yml');
  copyFileSync(join(REPO_ROOT, 'examples/tarmac.yml'), config);
  expect((await tarmac('secrets', 'init', 'hello', 'staging')).code).toBe(0);
  const store = new FileSecretStore(join(hosts.dataDir, 'secrets'));
  await store.set('hello/staging', 'database_password', 'pw-4f9c1e7a2b6d');
  secrets = await store.getAll('hello/staging');
  await deploy('1.0.0', tarballs['1.0.0']);
  // Between the two deployments the release logs a secret (as a careless app might) and a marker line.
  const leak = await tarmac(
    'eval',
    'hello',
    'staging',
    '--host',
    'h1',
    'require Logger; Logger.error("between-deploys leak=" <> System.fetch_env!("SECRET_KEY_BASE")); :ok',
  );
  expect(leak.code, leak.stderr).toBe(0);
  // A deployment's window reaches journalctl in whole seconds (--since=@<floor>): start the next one in the
  // next second, so the marker line falls outside it.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await deploy('2.0.0', tarballs['2.0.0']);
  for (const [name, value] of Object.entries(SECRETS)) await store.set('_global', name, value);
  const clock = { now: () => new Date() };
  tokens.ops = await issueToken(store, clock, { name: 'ops_bot', scope: 'deploy', environments: ['hello/staging'] });
  tokens.viewer = await issueToken(store, clock, { name: 'viewer', scope: 'read', environments: [] });
  const yml = readFileSync(config, 'utf8');
  server = await startServer({ config: parseConfig(yml), dataDir: hosts.dataDir, port: 0, logger: silentLogger() });
}, 400_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await server?.close();
  await hosts?.teardown();
});

/** The CLI with --server, from a directory with no tarmac.yml and no data, with a token. */
async function remote(token: string, ...args: string[]) {
  vi.stubEnv('TARMAC_TOKEN', token);
  const out = memoryOutput();
  const where = ['--config', join(elsewhere(), 'tarmac.yml'), '--data', join(elsewhere(), '.tarmac')];
  const code = await main(['node', 'tarmac', ...where, '--server', server.url, ...args], out);
  return { code, stdout: out.out.join(''), stderr: out.err.join('') };
}

const secretValues = () => Object.values(secrets);
/** One line per entry (continuation lines of a multi-line message carry the host but no time). */
const entryLines = (stdout: string, host: string) =>
  stdout.split('\n').filter((l) => new RegExp(`^${host} {2}\\d{4}-\\d\\d-\\d\\dT`).test(l));

describe('tarmac logs on real hosts', { timeout: 120_000 }, () => {
  it('prints the journal of every host of the fleet, prefixed by host, and never a secret', async () => {
    const { code, stdout, stderr } = await tarmac('logs', 'hello', 'staging');
    expect(code, stderr).toBe(0);
    expect(entryLines(stdout, 'h1').length).toBeGreaterThan(0);
    expect(entryLines(stdout, 'h2').length).toBeGreaterThan(0);
    expect(stdout).toMatch(/^h1 {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}/m);
    expect(stdout).toContain('between-deploys leak=[redacted secret_key_base]');
    for (const value of secretValues()) expect(stdout + stderr).not.toContain(value);
    // The journal really holds the secret: the redaction, not luck, kept it out.
    const raw = await hosts.manager.exec('h1', ['journalctl', '-u', 'tarmac-hello-staging.service', '--no-pager']);
    expect(raw.stdout).toContain(secrets.secret_key_base);
  });

  it('reads one host with --host and the last N entries with --lines', async () => {
    const one = await tarmac('logs', 'hello', 'staging', '--host', 'h2', '--lines', '3');
    expect(one.code, one.stderr).toBe(0);
    expect(entryLines(one.stdout, 'h1')).toEqual([]);
    expect(entryLines(one.stdout, 'h2')).toHaveLength(3);
    const bad = await tarmac('logs', 'hello', 'staging', '--host', 'h9');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('host h9 is not one of fleet web');
    const lines = await tarmac('logs', 'hello', 'staging', '--lines', '0');
    expect(lines.stderr).toContain('--lines must be a whole number from 1 to 100000 (given 0)');
  });

  it("shows with --deployment only that deployment's window", async () => {
    const second = await tarmac('logs', 'hello', 'staging', '--deployment', deployments['2.0.0'] ?? '');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).not.toContain('between-deploys');
    expect(second.stdout).toMatch(/h1 .*Started/);
    expect(second.stdout).toMatch(/h2 .*Started/);
    const first = await tarmac('logs', 'hello', 'staging', '--deployment', deployments['1.0.0'] ?? '');
    expect(first.stdout).not.toContain('between-deploys');
    expect(first.stdout).toMatch(/h1 .*Started/);
    const unknown = await tarmac('logs', 'hello', 'staging', '--deployment', 'nope');
    expect(unknown.stderr).toContain('no deployment nope of hello/staging — tarmac history hello staging lists them');
  });

  it('follows new entries with --follow until interrupted', async () => {
    const child = spawnTarmac([
      'logs',
      'hello',
      'staging',
      '--host',
      'h1',
      '--lines',
      '1',
      '--follow',
      '--poll-ms',
      '300',
    ]);
    await child.waitFor(/^h1 {2}/m);
    const said = await tarmac(
      'eval',
      'hello',
      'staging',
      '--host',
      'h1',
      'require Logger; Logger.warning("followed-" <> "line"); :ok',
    );
    expect(said.code, said.stderr).toBe(0);
    await child.waitFor(/followed-line/);
    child.process.kill('SIGINT');
    expect(await child.exited).toBe(0);
  });

  it('works with --server: the same lines, redacted on the server, --host and --lines', async () => {
    const here = await tarmac('logs', 'hello', 'staging', '--host', 'h1', '--lines', '8');
    const there = await remote(tokens.viewer, 'logs', 'hello', 'staging', '--host', 'h1', '--lines', '8');
    expect(there.stderr).toBe('');
    expect(there).toEqual({ ...here, stderr: '' });
    expect(entryLines(there.stdout, 'h1')).toHaveLength(8);
    expect(entryLines(there.stdout, 'h2')).toEqual([]);
    const all = await remote(tokens.ops, 'logs', 'hello', 'staging', '--lines', '1000');
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('between-deploys leak=[redacted secret_key_base]');
    expect(entryLines(all.stdout, 'h2').length).toBeGreaterThan(0);
    for (const value of secretValues()) expect(all.stdout + all.stderr).not.toContain(value);
    const window = await remote(tokens.viewer, 'logs', 'hello', 'staging', '--deployment', deployments['2.0.0'] ?? '');
    expect(window.stdout).not.toContain('between-deploys');
    expect(window.stdout).toMatch(/h2 .*Started/);
    const bad = await remote(tokens.viewer, 'logs', 'hello', 'staging', '--host', 'h9');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      "error: host h9 is not one of fleet web's (hosts: h1, h2) — pass one of them with --host\n",
    );
    expect(existsSync(elsewhere())).toBe(false);
  });

  it('follows with --server: a new line arrives through the polling API', async () => {
    const child = spawnProcess(
      process.execPath,
      [
        join(REPO_ROOT, 'bin/tarmac.mjs'),
        ...['--config', join(elsewhere(), 'tarmac.yml'), '--data', join(elsewhere(), '.tarmac')],
        ...['--server', server.url, 'logs', 'hello', 'staging', '--lines', '1', '--follow', '--poll-ms', '300'],
      ],
      { env: { TARMAC_TOKEN: tokens.viewer } },
    );
    await child.waitFor(/^h2 {2}/m);
    const said = await tarmac(
      'eval',
      'hello',
      'staging',
      '--host',
      'h2',
      'require Logger; Logger.warning("remote-" <> "followed"); :ok',
    );
    expect(said.code, said.stderr).toBe(0);
    await child.waitFor(/^h2 .*remote-followed/m);
    child.process.kill('SIGINT');
    expect(await child.exited).toBe(0);
    expect(child.output().match(/remote-followed/g)).toHaveLength(1);
  });
});

describe('tarmac eval on real hosts', { timeout: 120_000 }, () => {
  it('runs the expression inside the running service, with its environment', async () => {
    const main = await hosts.manager.exec('h1', [
      'systemctl',
      'show',
      '-p',
      'MainPID',
      '--value',
      'tarmac-hello-staging.service',
    ]);
    const run = await tarmac(
      'eval',
      'hello',
      'staging',
      '--host',
      'h1',
      'IO.puts([System.pid(), " ", System.get_env("PORT"), " ", Atom.to_string(node())])',
    );
    expect(run.code, run.stderr).toBe(0);
    const [pid, port, node] = run.stdout.trim().split(' ');
    expect(pid).toBe(main.stdout.trim());
    expect(port).toBe('4001');
    expect(node).toMatch(/^hello_staging@/);
  });

  it('hands the expression over unchanged ($ and % included) and redacts secrets in the answer', async () => {
    const run = await tarmac(
      'eval',
      'hello',
      'staging',
      '--host',
      'h2',
      'IO.puts("100% $HOME $$ %h"); IO.puts(Atom.to_string(Node.get_cookie()) <> "|" <> System.fetch_env!("DATABASE_PASSWORD"))',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('100% $HOME $$ %h\n');
    expect(run.stdout).toContain('[redacted erlang_cookie]|[redacted database_password]');
    for (const value of secretValues()) expect(run.stdout).not.toContain(value);
  });

  it('fails with the reason when the expression raises, and asks for a host when the fleet has several', async () => {
    const run = await tarmac('eval', 'hello', 'staging', '--host', 'h1', 'raise "boom-from-eval"');
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('boom-from-eval');
    const which = await tarmac('eval', 'hello', 'staging', '1 + 1');
    expect(which.stderr).toContain('fleet web has 2 hosts (h1, h2) — say which with --host');
  });

  it('works with --server: the real answer, exit 1 on a raise, audited with the token name', async () => {
    const run = await remote(
      tokens.ops,
      'eval',
      'hello',
      'staging',
      '--host',
      'h1',
      'IO.puts(Atom.to_string(node()) <> " " <> System.fetch_env!("SECRET_KEY_BASE"))',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^hello_staging@\S+ \[redacted secret_key_base\]\n$/);
    const raised = await remote(tokens.ops, 'eval', 'hello', 'staging', '--host', 'h2', 'raise "remote-" <> "boom"');
    const local = await tarmac('eval', 'hello', 'staging', '--host', 'h2', 'raise "remote-" <> "boom"');
    expect(raised.code).toBe(1);
    expect(raised.stdout + raised.stderr).toContain('remote-boom');
    expect(raised.stderr.split('\n').at(-2)).toBe(local.stderr.split('\n').at(-2));
    const read = await remote(tokens.viewer, 'eval', 'hello', 'staging', '--host', 'h1', '1');
    expect(read.stderr).toMatch(/token "viewer" is a read token/);
    const history = await tarmac('history', 'hello', 'staging');
    expect(history.stdout).toMatch(/eval\s+h2\s+exit 1\s+ops_bot\s+via local\s+"raise \\"remote-\\" <> \\"boom\\""/);
    for (const value of secretValues()) expect(history.stdout + run.stdout).not.toContain(value);
  });

  it('records every eval and console in the history, secrets redacted', async () => {
    const history = await tarmac('history', 'hello', 'staging');
    expect(history.stdout).toMatch(/eval\s+h1\s+.*boom-from-eval/);
    expect(history.stdout).toMatch(/eval\s+h1\s+.*between-deploys/);
    for (const value of secretValues()) expect(history.stdout).not.toContain(value);
  });
});

describe('tarmac console on real hosts', { timeout: 120_000 }, () => {
  it('opens a remote shell in the running release through a terminal', async () => {
    const tarmacLine = ['--config', config, '--data', hosts.dataDir, 'console', 'hello', 'staging', '--host', 'h1'];
    // util-linux `script` gives the CLI a pseudo-terminal, as an operator's terminal would.
    const child = spawnProcess('script', [
      '-qefc',
      [process.execPath, join(REPO_ROOT, 'bin/tarmac.mjs'), ...tarmacLine].map(shq).join(' '),
      '/dev/null',
    ]);
    await child.waitFor(/iex\(hello_staging@[^)]+\)1>/);
    child.process.stdin?.write('IO.puts("con" <> "sole-" <> Atom.to_string(node()))\r');
    await child.waitFor(/console-hello_staging@/);
    // Ctrl-G, then q: leave the remote shell; the service's VM goes on.
    child.process.stdin?.write('\x07');
    await child.waitFor(/User switch command/);
    child.process.stdin?.write('q\r');
    expect(await child.exited).toBe(0);
    const active = await hosts.manager.exec('h1', ['systemctl', 'is-active', 'tarmac-hello-staging.service']);
    expect(active.stdout.trim()).toBe('active');
    const history = await tarmac('history', 'hello', 'staging');
    expect(history.stdout).toMatch(/console\s+h1\s+/);
  });
});

describe('tarmac console --server on real hosts', { timeout: 120_000 }, () => {
  it('relays a remote shell through tarmac serve from a directory with no local data, audited by token name', async () => {
    const store = new FileSecretStore(join(hosts.dataDir, 'secrets'));
    for (const [name, value] of Object.entries(SECRETS)) await store.set('_global', name, value);
    const clock = { now: () => new Date() };
    const token = await issueToken(store, clock, { name: 'ops_alice', scope: 'deploy', environments: ['hello/*'] });
    const viewer = await issueToken(store, clock, { name: 'viewer2', scope: 'read', environments: [] });
    const parsed = parseConfig(readFileSync(config, 'utf8'));
    const server = await startServer({ config: parsed, dataDir: hosts.dataDir, port: 0, logger: silentLogger() });
    const elsewhere = mkdtempSync(join(tmpdir(), 'tarmac-console-client-'));
    try {
      const line = (t: string) =>
        spawnProcess(
          'script',
          [
            '-qefc',
            [
              process.execPath,
              join(REPO_ROOT, 'bin/tarmac.mjs'),
              '--server',
              server.url,
              'console',
              'hello',
              'staging',
              '--host',
              'h2',
            ]
              .map(shq)
              .join(' '),
            '/dev/null',
          ],
          { cwd: elsewhere, env: { TARMAC_TOKEN: t } },
        );
      const refused = line(viewer);
      expect(await refused.exited).toBe(1);
      expect(refused.output()).toMatch(
        /token "viewer2" is a read token — this request changes state and needs a deploy token/,
      );
      const child = line(token);
      await child.waitFor(/iex\(hello_staging@[^)]+\)1>/);
      child.process.stdin?.write('IO.puts("over-" <> "server-" <> Atom.to_string(node()))\r');
      await child.waitFor(/over-server-hello_staging@/);
      child.process.stdin?.write('\x07');
      await child.waitFor(/User switch command/);
      child.process.stdin?.write('q\r');
      expect(await child.exited).toBe(0);
      expect(readdirSync(elsewhere)).toEqual([]);
      const active = await hosts.manager.exec('h2', ['systemctl', 'is-active', 'tarmac-hello-staging.service']);
      expect(active.stdout.trim()).toBe('active');
      const history = JSON.stringify(await accessHistory(server.adapters.state, 'hello', 'staging'));
      expect(history).toMatch(/"host":"h2","kind":"console","by":"ops_alice".*"via":"server".*"exitCode":0/);
    } finally {
      await server.close();
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

const shq = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

function spawnTarmac(args: string[]) {
  return spawnProcess(process.execPath, [
    join(REPO_ROOT, 'bin/tarmac.mjs'),
    '--config',
    config,
    '--data',
    hosts.dataDir,
    ...args,
  ]);
}

/** A child whose output is collected, with a wait for a pattern in it (failing with what it printed). */
function spawnProcess(command: string, args: string[], more: { cwd?: string; env?: Record<string, string> } = {}) {
  const env = { ...process.env, TERM: 'dumb', ...more.env };
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env, ...(more.cwd ? { cwd: more.cwd } : {}) });
  let output = '';
  const listeners = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      output += chunk;
      for (const l of listeners) l();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(output)) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${output}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  return { process: child, waitFor, exited, output: () => output };
}

// Last: it takes a host down.
describe('tarmac logs with a host down', { timeout: 60_000 }, () => {
  it('shows the hosts it can read, names the one it cannot, and exits 1', async () => {
    await hosts.manager.kill('h2');
    const run = await tarmac('logs', 'hello', 'staging', '--lines', '5');
    expect(run.code).toBe(1);
    expect(entryLines(run.stdout, 'h1')).toHaveLength(5);
    expect(run.stderr).toMatch(/^h2: unreachable: no running host h2/m);
    const there = await remote(tokens.viewer, 'logs', 'hello', 'staging', '--lines', '5');
    expect(there.code).toBe(1);
    expect(entryLines(there.stdout, 'h1')).toHaveLength(5);
    expect(there.stderr).toMatch(/^h2: unreachable: no running host h2/m);
  });
});
