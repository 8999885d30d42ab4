import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localBundleTargets } from '../../functions/adapters/local/local-deployer/paths';
import { renderBundle } from '../../functions/bundle/render';
import { packBundle } from '../../functions/bundle/write';
import { submit, waitForJob, watchDeployment } from '../../functions/cli/local-client';
import { instanceOf } from '../../functions/core/config';
import type { Deployment } from '../../functions/core/deployments';
import type { Job } from '../../functions/core/jobs';
import { planDeployment } from '../../functions/core/plans';
import { type LocalRuntime, openLocalRuntime } from '../../functions/local/runtime';
import { silentLogger } from '../../functions/log';
import { fleetHolder } from '../../functions/state/fleets';
import { listReleases } from '../../functions/state/releases';
import { initInstanceSecrets } from '../../functions/state/secrets';
import { buildFixture, REPO_ROOT } from '../support/fixture';
import { foreignArchCopy } from '../support/foreign-release';
import { bootTestHosts, type TestHosts } from '../support/hosts';
import { exampleConfig } from '../support/local-deploy';
import { runTarmac, servingVersion } from '../support/tarmac-cli';

// A release the hosts cannot run (issue #14 item 8), on real hosts: the fixture release serves 1.0.0 on h1 and
// h2; a copy whose ERTS binaries claim AArch64 (rewritten in a temp dir, as if built on another machine) is
// recorded as such at ingest, and its deploy is refused before any hook runs — the hosts keep serving 1.0.0.
const UNIT = 'tarmac-hello-staging.service';
const scratch = mkdtempSync(join(tmpdir(), 'tarmac-compat-'));
let hosts: TestHosts;
let runtime: LocalRuntime;
let seq = 0;

const base = () => ({ v: 1 as const, idempotencyKey: `compat-${++seq}`, correlationId: `compat-${seq}`, app: 'hello' });

async function ingest(tarball: string, version: string): Promise<void> {
  const upload = await runtime.adapters.artifacts.put(createReadStream(tarball), { key: `uploads/hello/${version}` });
  const job: Job = { ...base(), type: 'ingest', version, artifactKey: upload.key, uploadedBy: 'ci' };
  await submit(runtime, job);
  await waitForJob(runtime, job.idempotencyKey, 60_000);
}

async function deploy(ref: string): Promise<Deployment> {
  const job: Job = { ...base(), type: 'deploy', env: 'staging', ref, trigger: 'cli', requestedBy: 'test' };
  await submit(runtime, job);
  const id = (await waitForJob(runtime, job.idempotencyKey, 60_000)).deploymentId as string;
  return watchDeployment(runtime, id, () => {}, 120_000);
}

/** The unit's main PID and since when it is active: unchanged means nothing stopped or restarted it. */
async function unitState(host: string): Promise<string> {
  const r = await hosts.manager.exec(host, ['systemctl', 'show', '-p', 'MainPID,ActiveEnterTimestamp', UNIT]);
  return r.stdout.trim();
}

function serving(host: string): Promise<string> {
  return servingVersion(hosts.manager, host, 4001);
}

function cli(args: string[]): ReturnType<typeof runTarmac> {
  return runTarmac(hosts.dataDir, args);
}

beforeAll(async () => {
  const tarball = buildFixture()['1.0.0'];
  hosts = await bootTestHosts(2);
  runtime = await openLocalRuntime({ dataDir: hosts.dataDir, config: exampleConfig(), logger: silentLogger() });
  await initInstanceSecrets(runtime.adapters.secrets, 'hello/staging');
  await runtime.adapters.secrets.set('hello/staging', 'database_password', 'compat-test-password');
  await ingest(tarball, '1.0.0');
  const first = await deploy('1.0.0');
  expect(first.status, first.error).toBe('succeeded');
  const foreign = join(scratch, 'hello-1.0.0-aarch64.tar.gz');
  expect(foreignArchCopy(tarball, foreign).length).toBeGreaterThan(3);
  await ingest(foreign, '1.0.0-aarch64');
}, 300_000);

afterAll(async () => {
  await runtime?.close();
  await hosts?.teardown();
  rmSync(scratch, { recursive: true, force: true });
});

describe('a release built for another platform', { timeout: 120_000 }, () => {
  it('is recorded at ingest with what it needs: the architecture its binaries claim', async () => {
    const releases = await listReleases(runtime.adapters.state, 'hello');
    const byVersion = Object.fromEntries(releases.map((r) => [r.version, r]));
    expect(byVersion['1.0.0-aarch64']?.status).toBe('accepted');
    expect(byVersion['1.0.0-aarch64']?.needs).toMatchObject({ architectures: ['aarch64'], ertsIncluded: true });
    const own = (await hosts.manager.exec('h1', ['uname', '-m'])).stdout.trim();
    expect(byVersion['1.0.0']?.needs?.architectures).toEqual([own]);
  });

  it('is refused before anything is stopped, naming what it needs and what each host has', async () => {
    const before = await Promise.all(['h1', 'h2'].map(unitState));
    const own = (await hosts.manager.exec('h1', ['uname', '-m'])).stdout.trim();
    const refused = await deploy('1.0.0-aarch64');
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(
      new RegExp(
        `^release hello 1\\.0\\.0-aarch64 cannot run on h1, h2 — it needs aarch64, glibc ≥ [\\d.]+, ERTS [\\d.]+ included; ` +
          `h1 \\(reported\\) has ${own}, glibc [\\d.]+, OTP \\d+: architecture aarch64 ≠ ${own}; h2 \\(reported\\)`,
      ),
    );
    expect(refused.hosts).toEqual([]); // no hook ran anywhere
    expect(await Promise.all(['h1', 'h2'].map(unitState))).toEqual(before);
    expect(await Promise.all(['h1', 'h2'].map(serving))).toEqual(['1.0.0', '1.0.0']);
  });

  it('BeforeInstall on the host fails early too, where tarmac could not ask (AWS without a declared platform)', async () => {
    // The bundle a deploy of the foreign release would ship, run on h1 by bash: its platform check comes first.
    const release = (await listReleases(runtime.adapters.state, 'hello')).find((r) => r.version === '1.0.0-aarch64');
    if (!release) throw new Error('foreign release not recorded');
    const instance = instanceOf(exampleConfig(), 'hello', 'staging');
    const plan = planDeployment({
      instance,
      hosts: ['h1'],
      release,
      deploymentId: 'd-check',
      correlationId: 'c-check',
    });
    const files = renderBundle({ instance, plan, ...localBundleTargets('hello', 'staging', release.sha256) });
    const dir = '/var/lib/tarmac-test/bundle-check';
    const chunks: Buffer[] = [];
    for await (const chunk of packBundle(files) as AsyncIterable<Buffer>) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    const unpack = await hosts.manager.exec('h1', ['sh', '-c', `mkdir -p ${dir} && tar -xzf - -C ${dir}`], {
      input: bytes,
    });
    expect(unpack.code).toBe(0);
    const before = await unitState('h1');
    const hook = await hosts.manager.exec('h1', ['bash', `${dir}/hooks/before-install.sh`]);
    expect(hook.output).toMatch(
      /BeforeInstall d-check: FAILED: this host cannot run release 1\.0\.0-aarch64-[0-9a-f]{12} — it needs aarch64, glibc ≥ [\d.]+, ERTS [\d.]+ included; this host has \S+, glibc [\d.]+/,
    );
    expect(hook.code).toBe(1);
    expect(await unitState('h1')).toBe(before);
  });

  it('tarmac plan says the same, and the fleet is free again', async () => {
    const plan = await cli([
      '--config',
      join(REPO_ROOT, 'examples/tarmac.yml'),
      'plan',
      'hello',
      'staging',
      '--version',
      '1.0.0-aarch64',
    ]);
    expect(plan.output).toMatch(/^error: release hello 1\.0\.0-aarch64 cannot run on h1, h2 — it needs aarch64/);
    expect(plan.code).toBe(1);
    expect(await fleetHolder(runtime.adapters.state, 'web')).toBeUndefined();
  });
});
