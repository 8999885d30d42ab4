import { userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { fleetOfApp } from '../core/config';
import type { Deployment } from '../core/deployments';
import { isFinished } from '../core/deployments';
import { TarmacError } from '../core/errors';
import { type Job, jobGroup } from '../core/jobs';
import { type LocalRuntime, openLocalRuntime } from '../local/runtime';
import { createLogger } from '../log';
import { getDeployment } from '../state/deployments';
import { type JobRecord, jobOutcome } from '../state/jobs';
import { loadConfig } from './context';
import type { GlobalOptions } from './main';
import { ServerNotSupportedError } from './server-mode';

/** Who is asking, for deployment records and locks. */
export const whoami = () => process.env.TARMAC_USER ?? userInfo().username;

/**
 * Run a client command against the local mode data dir. When no `tarmac serve` works that dir, this process
 * works the queue itself for as long as the command runs, so `tarmac deploy --wait` also works standalone.
 */
export async function withLocalRuntime<T>(
  options: GlobalOptions,
  fn: (runtime: LocalRuntime) => Promise<T>,
  { work = true }: { work?: boolean } = {},
): Promise<T> {
  // Never a silent local run of a command that was asked to go to a server (cli/server-mode.ts).
  if (options.server !== undefined) throw new ServerNotSupportedError(undefined, options.server);
  const config = loadConfig(options);
  // Structured logs go to the data dir (one JSON event per line); the terminal shows progress only.
  const logger = createLogger({
    level: process.env.TARMAC_LOG_LEVEL ?? 'info',
    destination: pino.destination({ dest: join(options.data, 'tarmac.log'), mkdir: true, sync: true, mode: 0o600 }),
  });
  const runtime = await openLocalRuntime({ dataDir: options.data, config, logger, work });
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}

/** Queue a job (grouped by the app's fleet; the idempotency key is the dedup key). */
export async function submit(runtime: LocalRuntime, job: Job): Promise<void> {
  await runtime.adapters.queue.send({
    group: jobGroup(fleetOfApp(runtime.deps.config), job),
    dedupKey: job.idempotencyKey,
    body: job,
  });
  runtime.runner?.nudge();
}

/** Wait until the worker has finished a job. */
export async function waitForJob(
  runtime: LocalRuntime,
  idempotencyKey: string,
  timeoutMs = 120_000,
): Promise<JobRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await jobOutcome(runtime.adapters.state, idempotencyKey);
    if (record?.status === 'done') return record;
    if (Date.now() > deadline) {
      const hint = runtime.runner ? '' : ' — is the tarmac serve working this data dir still running?';
      throw new TarmacError(`job ${idempotencyKey} did not finish within ${timeoutMs / 1000} s${hint}`);
    }
    await sleep(100);
  }
}

/** Follow a deployment until it ends, feeding every snapshot to `onUpdate`. */
export async function watchDeployment(
  runtime: LocalRuntime,
  id: string,
  onUpdate: (d: Deployment) => void,
  timeoutMs = 30 * 60_000,
): Promise<Deployment> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const deployment = await getDeployment(runtime.adapters.state, id);
    if (!deployment) throw new TarmacError(`no deployment ${id}`);
    onUpdate(deployment);
    if (isFinished(deployment.status)) return deployment;
    if (Date.now() > deadline)
      throw new TarmacError(`deployment ${id} still ${deployment.status} after ${timeoutMs / 60_000} min`);
    await sleep(200);
  }
}
