import { join } from 'node:path';
import { type LocalAdapters, openLocalAdapters } from '../adapters/local';
import { LocalDeployer } from '../adapters/local/local-deployer';
import { createNotifier } from '../adapters/notify';
import { findApp } from '../core/config';
import type { TarmacConfig } from '../core/config/schema';
import { HostManager } from '../hosts/manager';
import type { Logger } from '../log';
import type { Clock, DeployerEvent } from '../ports';
import type { FleetSlot } from '../state/fleets';
import { deployerEventKey, enqueueDeployerEvent } from '../worker/deployer-events';
import type { WorkerDeps } from '../worker/deps';
import { type LocalRunner, startLocalRunner } from '../worker/local-runner';
import { checkReleaseStream, packPlanBundle } from '../worker/pack';
import { fleetHolders, recoverInterrupted } from '../worker/recover';
import { localBundleTarget } from '../worker/targets';
import { createWorker, type Worker } from '../worker/worker';
import { takeWorkerLease, type WorkerLease } from './lease';

/**
 * Resume what a dead worker left running — after the work it had already queued (its deployer events above
 * all, up to a deployment's outcome) has been applied, so a deployment that in fact finished is not run again
 * alongside the next one. Waits at most `quietMs` for the queue to empty.
 */
async function recoverAfterQueuedWork(
  deps: WorkerDeps,
  interrupted: FleetSlot[],
  runningHere: (deploymentId: string) => boolean,
  queue: LocalAdapters['queue'],
  logger: Logger,
  quietMs = 15_000,
) {
  const deadline = Date.now() + quietMs;
  while (queue.depth() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  try {
    const resumed = await recoverInterrupted(deps, interrupted, runningHere);
    if (resumed.length > 0)
      logger.warn({ event: 'deployment.resumed', deployments: resumed }, 'resumed interrupted deployments');
  } catch (error) {
    logger.error({ event: 'recovery.failed', error: String(error) }, 'could not resume interrupted deployments');
  }
}

export interface LocalRuntime {
  readonly adapters: LocalAdapters;
  readonly deps: WorkerDeps;
  readonly worker: Worker;
  readonly hosts: HostManager;
  readonly deployer: LocalDeployer;
  /** The queue consumer, when this process holds the data dir's worker lease (else another process works the queue). */
  readonly runner: LocalRunner | undefined;
  close(): Promise<void>;
}

/**
 * Compose local mode: SQLite queue and state, artifacts and secrets on disk, the local deployer on local test
 * hosts, the worker, and — when no other process is working this data dir — the queue consumer (after
 * resuming any deployment a crash interrupted).
 */
export async function openLocalRuntime(options: {
  dataDir: string;
  config: TarmacConfig;
  logger: Logger;
  clock?: Clock;
  /** Work the queue in this process (when the lease is free). @default true */
  work?: boolean;
  githubToken?: string;
  /** Already opened stores (e.g. the server's); the caller keeps ownership. */
  adapters?: LocalAdapters;
}): Promise<LocalRuntime> {
  const adapters =
    options.adapters ?? openLocalAdapters(options.dataDir, options.clock ? { clock: options.clock } : {});
  const ownsAdapters = !options.adapters;
  const { queue, state, clock } = adapters;
  const hosts = new HostManager({ dataDir: options.dataDir, logger: options.logger });
  let runner: LocalRunner | undefined;
  let sequence = 0;
  const onEvent = async (event: DeployerEvent) => {
    // The local deployer may report the same step twice (a restarted deployment): number every event.
    const key = deployerEventKey('evt', event, `-${event.at}-${sequence++}`);
    if (await enqueueDeployerEvent({ queue, state }, event, key)) runner?.nudge();
  };
  const deployer = new LocalDeployer({
    hosts,
    artifacts: adapters.artifacts,
    secrets: adapters.secrets,
    onEvent,
    clock,
    logger: options.logger,
    workerPidFile: join(options.dataDir, 'worker.pid'),
  });
  const deps: WorkerDeps = {
    config: options.config,
    ...adapters,
    deployer,
    notifier: createNotifier({
      logger: options.logger,
      state,
      github: options.githubToken
        ? { token: options.githubToken, repoOf: (app) => findApp(options.config, app)?.repo }
        : undefined,
    }),
    logger: options.logger,
    target: localBundleTarget,
    checkRelease: checkReleaseStream,
    packBundle: packPlanBundle,
  };
  const worker = createWorker(deps);
  let lease: WorkerLease | undefined;
  let recovery: Promise<void> | undefined;
  if (options.work !== false) {
    lease = takeWorkerLease(join(options.dataDir, 'worker.pid'));
    if (lease) {
      // This process alone works the queue now: what an earlier (dead) worker had received is due again.
      const released = queue.releaseInFlight();
      if (released > 0)
        options.logger.warn({ event: 'queue.released', count: released }, 'messages of a stopped worker are due again');
      const interrupted = await fleetHolders(deps);
      runner = startLocalRunner({ worker, queue, logger: options.logger, idleMs: 50 });
      recovery = recoverAfterQueuedWork(deps, interrupted, (id) => deployer.isRunning(id), queue, options.logger);
    }
  }
  return {
    adapters,
    deps,
    worker,
    hosts,
    deployer,
    runner,
    async close() {
      await recovery;
      await runner?.stop();
      await deployer.settled();
      lease?.release();
      if (ownsAdapters) adapters.close();
    },
  };
}
