import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { revisionDir } from '../../functions/adapters/local/local-deployer/paths';
import { main } from '../../functions/cli/main';
import { memoryOutput } from '../../functions/cli/output';
import { pushToServer } from '../../functions/cli/release-push';
import { parseConfig } from '../../functions/core/config';
import { unreachableLocalHosts } from '../../functions/hosts/unreachable';
import { type LocalRuntime, openLocalRuntime } from '../../functions/local/runtime';
import { type RunningServer, startServer } from '../../functions/local/server';
import { silentLogger } from '../../functions/log';
import { getDeployment } from '../../functions/state/deployments';
import { fleetHolder } from '../../functions/state/fleets';
import { listReleases } from '../../functions/state/releases';
import { issueToken } from '../../functions/state/tokens';
import { buildFixture, REPO_ROOT } from '../support/fixture';
import { bootTestHosts, type TestHosts } from '../support/hosts';
import { EXAMPLE_CONFIG, SECRETS } from '../support/http-harness';
import { health, provisionSecrets } from '../support/pipeline';

const STAGING = 4001;

/** A local client command as a separate process (the server's worker, in this process, works its job). */
function localTarmac(dataDir: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bin/tarmac.ts', '--config', 'examples/tarmac.yml', '--data', dataDir, ...args],
    { cwd: REPO_ROOT, env: { ...process.env, TARMAC_USER: 'ci_bot', TARMAC_LOG_LEVEL: 'warn' } },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout })));
}

/** Progress lines without what differs between two runs: elapsed times, ids, sha prefixes, the environment. */
const shape = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '' && !line.endsWith(' in progress'))
    .map((line) =>
      line
        .replace(/^\[\s*[\d.]+s\]/, '[t]')
        .replace(/ as \S+$/, ' as <id>')
        .replace(/\([0-9a-f]{12}\)/, '(<sha>)')
        .replace(/hello\/(staging|production)/, 'hello/<env>'),
    );

/**
 * `--server` against `tarmac serve` on real hosts, from another directory with no local data: a deploy
 * followed with `--wait` prints what a local one prints, and an abort in the middle of a one-at-a-time
 * rollout rolls the touched hosts back to the previous release and frees the fleet.
 */
describe('tarmac --server on real hosts: deploy --wait and abort mid-rollout', () => {
  const config = parseConfig(EXAMPLE_CONFIG);
  const root = mkdtempSync(join(tmpdir(), 'tarmac-remote-'));
  const elsewhere = join(root, 'no-data-here');
  let hosts: TestHosts;
  let runtime: LocalRuntime;
  let server: RunningServer;
  let token: string;

  const remote = async (...args: string[]) => {
    vi.stubEnv('TARMAC_TOKEN', token);
    const out = memoryOutput();
    const where = ['--config', join(elsewhere, 'tarmac.yml'), '--data', join(elsewhere, '.tarmac')];
    const code = await main(['node', 'tarmac', ...where, '--server', server.url, ...args], out);
    return { code, stdout: out.out.join(''), stderr: out.err.join('') };
  };
  const versionsOn = async (port: number) =>
    Promise.all(hosts.hosts.map(async (host) => (await health(host.address, port)).body.version));

  beforeAll(async () => {
    const tarballs = buildFixture();
    hosts = await bootTestHosts(2);
    runtime = await openLocalRuntime({ dataDir: hosts.dataDir, config, logger: silentLogger() });
    await provisionSecrets(runtime.adapters, config);
    token = await issueToken(runtime.adapters.secrets, runtime.adapters.clock, {
      name: 'ci_bot',
      scope: 'deploy',
      environments: [],
    });
    server = await startServer({
      config,
      adapters: runtime.adapters,
      port: 0,
      logger: silentLogger(),
      unreachableHosts: unreachableLocalHosts(hosts.dataDir),
    });
    process.env.TARMAC_BUILD_SECRET = SECRETS.build_webhook_secret;
    const options = { config: 'unused', data: elsewhere, server: server.url };
    for (const version of ['1.0.0', '2.0.0'] as const) {
      await pushToServer(options, tarballs[version], { app: 'hello', version }, memoryOutput());
    }
    while ((await listReleases(runtime.adapters.state, 'hello')).length < 2) await sleep(100);
  }, 300_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await server?.close();
    await runtime?.close();
    await hosts?.teardown();
    rmSync(root, { recursive: true, force: true });
  });

  it('plans and deploys with --wait, printing what a local deploy prints', async () => {
    const plan = await remote('plan', 'hello', 'staging', '--version', '1.0.0');
    expect(plan.stdout).toMatch(/^hello\/staging: 1\.0\.0 \([0-9a-f]{12}\) on fleet web\n/);
    expect(plan.stdout).toContain('  batch 1  h1: ApplicationStop → BeforeInstall');
    const there = await remote('deploy', 'hello', 'staging', '--version', '1.0.0', '--wait');
    expect(there.stderr).toBe('');
    expect(there.code).toBe(0);
    const here = await localTarmac(hosts.dataDir, ['deploy', 'hello', 'production', '--version', '1.0.0', '--wait']);
    expect(here.code).toBe(0);
    expect(shape(there.stdout)).toEqual(shape(here.stdout));
    expect(shape(there.stdout).at(-1)).toBe('[t] hello/<env> 1.0.0: succeeded');
    expect(await versionsOn(STAGING)).toEqual(['1.0.0', '1.0.0']);
    expect(existsSync(elsewhere)).toBe(false);
  }, 240_000);

  it('aborts a rollout after its first host: both hosts serve the previous release, the fleet is free', async () => {
    const started = await remote('deploy', 'hello', 'staging', '--version', '2.0.0');
    expect(started.code).toBe(0);
    const id = / as (\S+)\n$/.exec(started.stdout)?.[1] ?? '';
    // Mid-rollout: h1 already serves 2.0.0, h2 is being deployed.
    for (;;) {
      const d = await getDeployment(runtime.adapters.state, id);
      if (d?.hosts.some((h) => h.host === 'h1' && h.status === 'succeeded')) break;
      if (d?.status !== 'in_progress' && d?.status !== 'pending') throw new Error(`deployment ended: ${d?.status}`);
      await sleep(50);
    }
    const aborted = await remote('abort', 'hello', 'staging', '--reason', 'bad metrics');
    expect(aborted).toMatchObject({ code: 0, stderr: '' });
    expect(aborted.stdout).toContain(`hello/staging: aborting ${id} (2.0.0) — the hosts it touched roll back`);
    // Aborted again once its rollback has begun (its revision is on h1): the rollback is left to finish (no
    // host left half-way), and followed.
    const rollbackDir = `/proc/${hosts.hosts[0]?.pid1}/root${revisionDir('hello-staging', `${id}-rollback`)}`;
    while (!existsSync(rollbackDir)) await sleep(50);
    const again = await remote('abort', 'hello', 'staging', '--reason', 'twice', '--wait');
    if (again.stderr === '') {
      expect(again.stdout).toContain(
        `hello/staging: deployment ${id} (2.0.0) already failed and is rolling back to the release before it — left to finish`,
      );
      expect(again.stdout).toMatch(/hello\/staging 2\.0\.0: rolled back\n/);
      expect(again.code).toBe(0);
    } else {
      // The two hosts' rollback can end before the worker takes this request (seen on a quiet machine): then
      // nothing runs any more. The rolling-back answer is pinned by aws/pipeline (abort issued from inside the
      // rollback) and unit/worker/abort; either way no host is left half-way (below).
      expect(again).toMatchObject({
        code: 1,
        stderr: 'error: hello/staging: nothing to abort — no deployment of it runs\n',
      });
    }
    const final = await getDeployment(runtime.adapters.state, id);
    expect(final?.error).toMatch(/^aborted by ci_bot: "bad metrics"/);
    expect(final?.aborted).toMatchObject({ by: 'ci_bot', reason: 'bad metrics' });
    expect(await versionsOn(STAGING)).toEqual(['1.0.0', '1.0.0']);
    expect(await fleetHolder(runtime.adapters.state, 'web')).toBeUndefined();
    expect((await remote('fleet', 'list')).stdout).toContain('fleet web                free\n');
    const history = await remote('history', 'hello', 'staging');
    expect(history.stdout.split('\n')[0]).toMatch(
      /2\.0\.0\s+rolled_back api\s+ci_bot .* aborted by ci_bot: "bad metrics"$/,
    );
  }, 240_000);
});
