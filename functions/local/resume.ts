import type { LocalAdapters } from '../adapters/local';
import type { Logger } from '../log';
import type { FleetSlot } from '../state/fleets';
import type { WorkerDeps } from '../worker/deps';
import { recoverInterrupted } from '../worker/recover';

/**
 * Resume what a dead worker left running — after the work it had already queued (its deployer events above
 * all, up to a deployment's outcome) has been applied, so a deployment that in fact finished is not run again
 * alongside the next one. Waits at most `quietMs` for the queue to empty.
 */
export async function recoverAfterQueuedWork(
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
