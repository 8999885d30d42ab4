import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDeployer } from '../../functions/adapters/local/local-deployer';
import { runHook } from '../../functions/adapters/local/local-deployer/hook-runner';
import { clearInterruptedRun } from '../../functions/adapters/local/local-deployer/interrupted';
import { submit, waitForJob, watchDeployment } from '../../functions/cli/local-client';
import { instanceOf } from '../../functions/core/config';
import type { Deployment } from '../../functions/core/deployments';
import type { Job } from '../../functions/core/jobs';
import { type DeploymentPlan, planDeployment } from '../../functions/core/plans';
import { type LocalRuntime, openLocalRuntime } from '../../functions/local/runtime';
import { silentLogger } from '../../functions/log';
import type { DeployerEvent } from '../../functions/ports';
import { getCurrent } from '../../functions/state/deployments';
import { getRelease } from '../../functions/state/releases';
import { initInstanceSecrets } from '../../functions/state/secrets';
import { buildFixture, REPO_ROOT } from '../support/fixture';
import { fillDisk, killHost, processesOf, strayHookProcess } from '../support/host-faults';
import { bootTestHosts, type TestHosts } from '../support/hosts';
import { exampleConfig } from '../support/local-deploy';
import { runTarmac, servingVersion } from '../support/tarmac-cli';

// Host faults on real hosts (issue #11), one boot of h1, h2 for the file; the cases build on each other:
// 1.0.0 serves on both hosts, a hook hangs, h1's disk is full, stray hooks of an interrupted rollback are
// cleared, 2.0.0 is deployed and resumed, h2 dies mid-deploy, and then h2 is unreachable when the next
// deployment starts.
const CONFIG_FILE = join(REPO_ROOT, 'examples/tarmac.yml');
const UNIT = 'tarmac-hello-staging.service';
let hosts: TestHosts;
let runtime: LocalRuntime;
let seq = 0;

const base = () => ({ v: 1 as const, idempotencyKey: `fault-${++seq}`, correlationId: `fault-${seq}`, app: 'hello' });

async function runJob(job: Job): Promise<string | undefined> {
  await submit(runtime, job);
  return (await waitForJob(runtime, job.idempotencyKey, 60_000)).deploymentId;
}

async function deploy(ref: string, onUpdate: (d: Deployment) => void = () => {}): Promise<Deployment> {
  const job: Job = { ...base(), type: 'deploy', env: 'staging', ref, trigger: 'cli', requestedBy: 'test' };
  const id = await runJob(job);
  return watchDeployment(runtime, id as string, onUpdate, 120_000);
}

function serving(host: string): Promise<string> {
  return servingVersion(hosts.manager, host, 4001);
}

function cli(args: string[]): ReturnType<typeof runTarmac> {
  return runTarmac(hosts.dataDir, args);
}

beforeAll(async () => {
  const tarballs = buildFixture();
  hosts = await bootTestHosts(2);
  runtime = await openLocalRuntime({ dataDir: hosts.dataDir, config: exampleConfig(), logger: silentLogger() });
  const { secrets, artifacts } = runtime.adapters;
  await initInstanceSecrets(secrets, 'hello/staging');
  await secrets.set('hello/staging', 'database_password', 'fault-test-password');
  for (const version of ['1.0.0', '2.0.0'] as const) {
    const upload = await artifacts.put(createReadStream(tarballs[version]), { key: `uploads/hello/${version}` });
    await runJob({ ...base(), type: 'ingest', version, artifactKey: upload.key, uploadedBy: 'ci' });
  }
  const first = await deploy('1.0.0');
  expect(first.status, first.error).toBe('succeeded');
}, 300_000);

afterAll(async () => {
  await runtime?.close();
  await hosts?.teardown();
});

describe('host faults', { timeout: 120_000 }, () => {
  it('a hook that hangs is killed at its timeout with its whole process group; its output tail is kept', async () => {
    const script = "trap '' TERM\necho 'hook started, now hanging'\nsleep 3599 &\necho \"child $!\"\nwait\n";
    await hosts.manager.exec(
      'h1',
      ['sh', '-c', 'mkdir -p /var/lib/tarmac-test && cat > /var/lib/tarmac-test/hang.sh'],
      {
        input: script,
      },
    );
    const started = Date.now();
    const run = await runHook(hosts.manager, 'h1', {
      event: 'ValidateService',
      archive: '/var/lib/tarmac-test',
      scripts: [{ location: 'hang.sh', timeoutSec: 2 }],
      env: {},
      killGraceMs: 1_000,
    });
    expect(run.ok).toBe(false);
    expect(run.tail).toContain('hook started, now hanging');
    expect(run.tail).toContain('hang.sh timed out after 2 s');
    // SIGTERM is ignored by the script and its child: only the SIGKILL of the whole group ends them.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    const left = await hosts.manager.exec('h1', ['sh', '-c', 'pgrep -f "^sleep 3599$" || true']);
    expect(left.stdout.trim()).toBe('');
  });

  it('a full disk during AfterInstall fails the deployment naming the host; the previous release still serves', async () => {
    const free = await fillDisk(hosts.manager, 'h1', 8 << 20);
    try {
      const deployment = await deploy('2.0.0');
      expect(deployment.status).toBe('rolled_back');
      expect(deployment.error).toContain('AfterInstall failed on h1');
      expect(deployment.error).toMatch(/No space left on device/);
    } finally {
      await free();
    }
    expect(await serving('h1')).toBe('1.0.0');
    expect(await serving('h2')).toBe('1.0.0');
    expect(await getCurrent(runtime.adapters.state, 'hello', 'staging')).toMatchObject({ version: '1.0.0' });
  });

  it('a resumed deployment first kills what its interrupted run and rollback left running (any archive)', async () => {
    await strayHookProcess(hosts.manager, 'h1', 'local-dep-x');
    await strayHookProcess(hosts.manager, 'h1', 'local-dep-x-rollback');
    await strayHookProcess(hosts.manager, 'h1', 'local-dep-other');
    const plan = {
      app: 'hello',
      env: 'staging',
      deploymentId: 'dep-x',
      batches: [['h1']],
    } as unknown as DeploymentPlan;
    await clearInterruptedRun(hosts.manager, plan, silentLogger());
    expect(await processesOf(hosts.manager, 'h1', 'local-dep-x')).toEqual([]);
    expect(await processesOf(hosts.manager, 'h1', 'local-dep-x-rollback')).toEqual([]);
    const other = await processesOf(hosts.manager, 'h1', 'local-dep-other');
    expect(other).toHaveLength(1);
    await hosts.manager.exec('h1', ['kill', ...other]);
  });

  it('a resumed deployment drops a host’s migration claim of the dead run unless it is done', async () => {
    // As lock.sh leaves them under the deployer's lock: a claim marked failed (the dead run's migration lost its
    // output pipe with the worker) on h1, one marked done on h2.
    const claims = '/var/lib/tarmac-agent/migrations/hello/staging/dep-y';
    const mark = (host: string, status: string) =>
      hosts.manager.exec(host, ['sh', '-c', `mkdir -p ${claims} && echo "${status} ${host} 1" > ${claims}/status`]);
    await mark('h1', 'failed');
    await mark('h2', 'done');
    const plan = { app: 'hello', env: 'staging', deploymentId: 'dep-y', batches: [['h1', 'h2']] };
    await clearInterruptedRun(hosts.manager, plan as unknown as DeploymentPlan, silentLogger());
    const status = (host: string) => hosts.manager.exec(host, ['sh', '-c', `cat ${claims}/status 2>&1 || true`]);
    expect((await status('h1')).stdout).toMatch(/No such file or directory/);
    expect((await status('h2')).stdout).toBe('done h2 1\n');
    await hosts.manager.exec('h2', ['rm', '-rf', claims]);
  });

  it('a resumed deployment leaves alone a host it had already finished (not stopped, not restarted)', async () => {
    const done = await deploy('2.0.0');
    expect(done.status, done.error).toBe('succeeded');
    const since = () =>
      Promise.all(
        ['h1', 'h2'].map(async (h) => {
          const r = await hosts.manager.exec(h, ['systemctl', 'show', '-P', 'ActiveEnterTimestampMonotonic', UNIT]);
          return r.stdout.trim();
        }),
      );
    const before = await since();
    // What recovery does after a worker died: the same plan and bundle, run again by a fresh deployer.
    const events: DeployerEvent[] = [];
    const deployer = new LocalDeployer({
      hosts: hosts.manager,
      artifacts: runtime.adapters.artifacts,
      secrets: runtime.adapters.secrets,
      onEvent: (e) => void events.push(e),
      clock: { now: () => new Date() },
    });
    const release = await getRelease(runtime.adapters.state, 'hello', done.sha256);
    const plan = planDeployment({
      instance: instanceOf(exampleConfig(), 'hello', 'staging'),
      hosts: ['h1', 'h2'],
      release: release as NonNullable<typeof release>,
      deploymentId: done.id,
      correlationId: done.correlationId,
    });
    const { externalId } = await deployer.start({
      plan,
      bundle: done.bundle as { key: string; sha256: string },
      autoRollback: true,
    });
    await deployer.settled(externalId);
    expect(events.map((e) => e.type)).toEqual(['deployment.started', 'deployment.finished']);
    expect(events.at(-1)).toMatchObject({ status: 'succeeded' });
    expect(await since()).toEqual(before);
    expect(await serving('h1')).toBe('2.0.0');
  });

  it('a host that dies mid-deploy fails the deployment naming it; the other host regains the previous release', async () => {
    let killed: Promise<void> | undefined;
    const deployment = await deploy('1.0.0', (d) => {
      const h2 = d.hosts.find((h) => h.host === 'h2');
      // As soon as h2's turn began (h1 is done): its hooks are short, a narrower trigger can be missed.
      if (!killed && h2?.events.some((e) => e.status === 'in_progress')) killed = killHost(hosts.manager, 'h2');
    });
    await killed;
    expect(killed, `h2 was killed during its turn: ${JSON.stringify(deployment)}`).toBeDefined();
    expect(['rolled_back', 'failed']).toContain(deployment.status);
    expect(deployment.error).toMatch(
      /host h2 went down during (ApplicationStop|BeforeInstall|AfterInstall|ApplicationStart|ValidateService)/,
    );
    expect(deployment.error).toContain('h2 down: not rolled back');
    expect(await serving('h1')).toBe('2.0.0');
  });

  it('a host unreachable when a deployment starts: refused or skipped per the strategy, and said in the plan', async () => {
    const refused = await cli(['--config', CONFIG_FILE, 'plan', 'hello', 'staging']);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/h2 unreachable: strategy one-at-a-time keeps 1 of 2 host\(s\) healthy.*refused/);
    const deployment = await deploy('1.0.0');
    expect(deployment.status).toBe('failed');
    expect(deployment.error).toContain('h2 unreachable');
    expect(await serving('h1')).toBe('2.0.0');

    const allConfig = join(hosts.dataDir, 'tarmac-all.yml');
    writeFileSync(allConfig, readFileSync(CONFIG_FILE, 'utf8').replace('strategy: one-at-a-time', 'strategy: all'));
    const skipped = await cli(['--config', allConfig, 'plan', 'hello', 'staging']);
    expect(skipped.code, skipped.output).toBe(0);
    expect(skipped.output).toContain('batch 1  h1:');
    expect(skipped.output).toContain('skipped  h2: unreachable');
  });
});
