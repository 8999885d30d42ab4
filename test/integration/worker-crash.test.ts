import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FileSecretStore,
  FsArtifactStore,
  openLocalAdapters,
  SqliteQueue,
  SqliteStateStore,
} from '../../functions/adapters/local';
import { type Job, jobGroup } from '../../functions/core/jobs';
import { deploymentHistory, getCurrent } from '../../functions/state/deployments';
import { jobOutcome } from '../../functions/state/jobs';
import { listReleases } from '../../functions/state/releases';
import { initInstanceSecrets } from '../../functions/state/secrets';
import type { CrashPoint } from '../../functions/worker/crash-points';
import { buildFixture, REPO_ROOT } from '../support/fixture';
import { bootTestHosts, type TestHosts } from '../support/hosts';

// A local-mode worker process is SIGKILLed at each boundary of its work (TARMAC_CRASH_AT), then a fresh process
// on the same data dir recovers. Real hosts, the real hello release; the cases build on each other
// (v1, then v2 on top, back to v1, v2 again), so every recovery also switches `current`.
const STAGING_PORT = 4001;
let hosts: TestHosts;
let dataDir: string;
let tarballs: ReturnType<typeof buildFixture>;
let seq = 0;
/** Every deploy request and ingest so far: the state must hold exactly one record for each. */
const requested = { deploys: [] as string[], versions: [] as string[] };

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function runWorker(crashAt?: CrashPoint): { pid: number; exit: Promise<ChildExit> } {
  const env = { ...process.env, TARMAC_LOG_LEVEL: 'warn', TARMAC_CRASH_AT: crashAt ?? '' };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'test/support/worker-crash-child.ts'), dataDir],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exit = new Promise<ChildExit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, output }));
  });
  return { pid: child.pid ?? 0, exit };
}

/** SIGKILL the worker once a host of the running deployment is in the middle of a hook that runs the release. */
async function killMidHook(worker: ReturnType<typeof runWorker>, hook: string): Promise<ChildExit> {
  const state = new SqliteStateStore(join(dataDir, 'state.db'));
  let done = false;
  const exit = worker.exit.finally(() => {
    done = true;
  });
  try {
    while (!done) {
      const [latest] = await deploymentHistory(state, 'hello', 'staging', 1);
      const running = latest?.hosts.flatMap((h) => h.events).find((e) => e.status === 'in_progress');
      if (latest?.status === 'in_progress' && running?.event === hook) {
        process.kill(worker.pid, 'SIGKILL');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    state.close();
  }
  return exit;
}

/** Send jobs as the intake would. */
async function enqueue(jobs: Job[]): Promise<void> {
  const queue = new SqliteQueue(join(dataDir, 'queue.db'));
  try {
    for (const job of jobs) {
      await queue.send({ group: jobGroup(() => 'web', job), dedupKey: job.idempotencyKey, body: job });
    }
  } finally {
    queue.close();
  }
}

const base = () => ({ v: 1 as const, idempotencyKey: `crash-${++seq}`, correlationId: `corr-${seq}`, app: 'hello' });

async function ingestJob(version: '1.0.0' | '2.0.0'): Promise<Job> {
  const artifacts = new FsArtifactStore(join(dataDir, 'artifacts'));
  const upload = await artifacts.put(createReadStream(tarballs[version]), { key: `uploads/hello/${version}` });
  requested.versions.push(version);
  return { ...base(), type: 'ingest', version, artifactKey: upload.key, uploadedBy: 'ci' };
}

function deployJob(ref: string): Job {
  const job: Job = { ...base(), type: 'deploy', env: 'staging', ref, trigger: 'cli', requestedBy: 'alice' };
  requested.deploys.push(job.idempotencyKey);
  return job;
}

async function health(address: string): Promise<{ status: number; version: unknown }> {
  const response = await fetch(`http://${address}:${STAGING_PORT}/health`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, version: ((await response.json()) as { version?: unknown }).version };
}

/** Kill a worker at `crashAt` while it works `jobs`, recover with a fresh process, check exactly-once. */
async function crashAndRecover(crashAt: CrashPoint | { midHook: string }, jobs: Job[], version: string): Promise<void> {
  await enqueue(jobs);
  const crashed =
    typeof crashAt === 'object' ? await killMidHook(runWorker(), crashAt.midHook) : await runWorker(crashAt).exit;
  expect(crashed.signal, `the worker should have died at ${crashAt}:\n${crashed.output}`).toBe('SIGKILL');
  const recovered = await runWorker().exit;
  expect(recovered.code, recovered.output).toBe(0);

  let deploymentId: string | undefined;
  const adapters = openLocalAdapters(dataDir);
  try {
    const { state, queue } = adapters;
    expect(queue.depth()).toBe(0);
    expect(await queue.deadLetters()).toEqual([]);
    const deployKey = jobs.at(-1)?.idempotencyKey ?? '';
    const outcome = await jobOutcome(state, deployKey);
    expect(outcome, `job ${deployKey}`).toMatchObject({ status: 'done', result: { outcome: 'done' } });
    deploymentId = outcome?.deploymentId;
    const history = await deploymentHistory(state, 'hello', 'staging', 100);
    // One deployment record per request — the crash and the redelivery created no second one.
    expect(history).toHaveLength(requested.deploys.length);
    const mine = history.filter((d) => d.id === outcome?.deploymentId);
    expect(
      mine.map((d) => [d.version, d.status]),
      mine.map((d) => d.error).join('\n'),
    ).toEqual([[version, 'succeeded']]);
    const releases = await listReleases(state, 'hello');
    expect(releases.map((r) => r.version).sort()).toEqual([...requested.versions].sort());
    expect(await getCurrent(state, 'hello', 'staging')).toMatchObject({ version, deploymentId: outcome?.deploymentId });
  } finally {
    adapters.close();
  }
  // The migration ran once for this deployment across the fleet, even when the deployment ran twice. Killed
  // inside the migration itself, it runs again (once more at most): migrations must be idempotent.
  const migrated: string[] = [];
  for (const host of hosts.hosts) {
    const log = await hosts.manager.exec(host.name, ['sh', '-c', 'cat /var/lib/tarmac/hello/staging/migrations.log']);
    migrated.push(...log.stdout.split('\n').filter((line) => line.startsWith(`${deploymentId} `)));
  }
  const interruptedMigration = typeof crashAt === 'object' && crashAt.midHook === 'ApplicationStart';
  expect(migrated.length).toBeGreaterThanOrEqual(1);
  expect(migrated.length).toBeLessThanOrEqual(interruptedMigration ? 2 : 1);
  expect(new Set(migrated)).toEqual(new Set([`${deploymentId} ${version} hello_staging`]));
  for (const host of hosts.hosts) {
    const current = await hosts.manager.exec(host.name, [
      'sh',
      '-c',
      'dir=$(readlink -e /opt/tarmac/hello/staging/current) && test -x "$dir/bin/hello" && echo "$dir"',
    ]);
    expect(current.stdout.trim(), `${host.name}: ${current.stderr}`).toMatch(
      new RegExp(`^/opt/tarmac/hello/staging/releases/${version.replaceAll('.', '\\.')}-[0-9a-f]+$`),
    );
    expect(await health(host.address)).toEqual({ status: 200, version });
  }
}

beforeAll(async () => {
  tarballs = buildFixture();
  hosts = await bootTestHosts(2);
  dataDir = hosts.dataDir;
  const secrets = new FileSecretStore(join(dataDir, 'secrets'));
  await initInstanceSecrets(secrets, 'hello/staging');
  await secrets.set('hello/staging', 'database_password', 'crash-test-password');
}, 300_000);

afterAll(async () => {
  await hosts?.teardown();
});

describe('worker crashes: exactly once after a SIGKILL at every boundary', { timeout: 120_000 }, () => {
  it('after receiving the ingest of v1: the redelivered ingest and the deploy run once, v1 serves', async () => {
    await crashAndRecover('after-receive', [await ingestJob('1.0.0'), deployJob('1.0.0')], '1.0.0');
  });

  it('after recording v2: the ingest finds its release, the deploy switches both hosts to v2', async () => {
    await crashAndRecover('after-ingest', [await ingestJob('2.0.0'), deployJob('2.0.0')], '2.0.0');
  });

  it('after storing the bundle (fleet held, deployer not started): recovery runs it, back to v1', async () => {
    await crashAndRecover('after-bundle', [deployJob('1.0.0')], '1.0.0');
  });

  it('after the deployer started (its hooks died with the process): recovery runs it again, v2', async () => {
    await crashAndRecover('after-deployer-start', [deployJob('2.0.0')], '2.0.0');
  });

  it('in the middle of a hook on a host (half the fleet switched): recovery runs it again, back to v1', async () => {
    // Killed while ValidateService runs on the first host: it has migrated and switched, the other host has not.
    await crashAndRecover({ midHook: 'ValidateService' }, [deployJob('1.0.0')], '1.0.0');
  });

  it("in the middle of the migration: recovery clears the dead run's claim, migrates again, v2", async () => {
    await crashAndRecover({ midHook: 'ApplicationStart' }, [deployJob('2.0.0')], '2.0.0');
  });
});
