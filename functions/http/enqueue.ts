import { fleetOfApp } from '../core/config';
import type { TarmacConfig } from '../core/config/schema';
import { type Job, jobGroup, parseJob } from '../core/jobs';
import type { Logger } from '../log';
import type { Clock, JobQueue, StateStore } from '../ports';
import { claimOnce, releaseClaim } from '../state/dedup';
import { errorText } from './responses';

/** Where a delivery came from and its id there (GitHub delivery GUID, Slack trigger_id, build event id, API Idempotency-Key). */
export interface Delivery {
  readonly source: 'github' | 'slack' | 'build' | 'api';
  readonly id: string;
}

export interface EnqueueDeps {
  readonly config: TarmacConfig;
  readonly queue: JobQueue;
  readonly state: StateStore;
  readonly clock: Clock;
}

/**
 * Claim the delivery once, then send its jobs. A delivery claimed before (a redelivery, even days later) is a
 * duplicate and sends nothing. When a send fails after the claim, the claim is released so the sender's
 * retry is processed; jobs already sent carry their idempotency key, so the queue (5 min) and the worker
 * (exactly-once record) drop the repeat.
 *
 * Call it only after the signature and the body were checked: an unverified request must not burn an id.
 */
export async function enqueueOnce(
  deps: EnqueueDeps,
  delivery: Delivery,
  jobs: readonly Job[],
  log: Logger,
): Promise<'enqueued' | 'duplicate'> {
  const valid = jobs.map(parseJob);
  if (!(await claimOnce(deps.state, delivery.source, delivery.id, deps.clock.now()))) {
    log.info({ source: delivery.source, deliveryId: delivery.id }, 'duplicate delivery: nothing enqueued');
    return 'duplicate';
  }
  try {
    for (const job of valid) {
      const group = jobGroup(fleetOfApp(deps.config), job);
      const sent = await deps.queue.send({ group, dedupKey: job.idempotencyKey, body: job });
      log.info({ type: job.type, app: job.app, group, messageId: sent.id }, 'job enqueued');
    }
  } catch (error) {
    await releaseClaim(deps.state, delivery.source, delivery.id).catch((releaseError: unknown) => {
      log.error({ error: errorText(releaseError), deliveryId: delivery.id }, 'could not release the delivery claim');
    });
    throw error;
  }
  return 'enqueued';
}
