import { PermanentError } from '../core/errors';
import { type Job, parseJob } from '../core/jobs';
import type { JobResult } from '../state/jobs';
import { recordMessageFailure } from '../state/message-failures';
import type { WorkerDeps } from './deps';
import { assertKnownNames, type Delivery, giveUp } from './give-up';
import { abort } from './jobs/abort';
import { deploy, promote, rollback } from './jobs/deploy';
import { deployerEvent } from './jobs/deployer-event';
import { fleetFree } from './jobs/fleet-free';
import { ingest } from './jobs/ingest';
import { lock, unlock } from './jobs/lock';
import { maintenance } from './jobs/maintenance';
import { push } from './jobs/push';
import { runOnce } from './once';

/**
 * The worker: one entry point for every queued job, the same in both modes. Validates the message, runs it
 * at most once to completion (idempotency key), and logs one line per outcome with its correlation id.
 * A job that can never succeed (a {@link PermanentError}: invalid body, unknown name, missing artifact…, or
 * out of attempts) is recorded as failed and returned, so the queue acknowledges it and its group goes on.
 * Throws when the job should be retried (the queue redelivers it, in order).
 */
export function createWorker(deps: WorkerDeps) {
  async function dispatch(job: Job): Promise<JobResult> {
    assertKnownNames(deps.config, job);
    const { result } = await runOnce(deps, job, (record) => {
      switch (job.type) {
        case 'ingest':
          return ingest(deps, job, record);
        case 'push':
          return push(deps, job, record);
        case 'deploy':
          return deploy(deps, job, record);
        case 'rollback':
          return rollback(deps, job, record);
        case 'promote':
          return promote(deps, job, record);
        case 'lock':
          return lock(deps, job);
        case 'unlock':
          return unlock(deps, job);
        case 'maintenance':
          return maintenance(deps, job);
        case 'deployer-event':
          return deployerEvent(deps, job);
        case 'fleet-free':
          return fleetFree(deps, job);
        case 'abort':
          return abort(deps, job);
      }
    });
    return result;
  }

  async function noteFailure(delivery: Delivery, error: string): Promise<void> {
    if (!delivery.messageId || delivery.receiveCount === undefined) return;
    const at = deps.clock.now().toISOString();
    await recordMessageFailure(deps.state, delivery.messageId, {
      error,
      receiveCount: delivery.receiveCount,
      at,
    }).catch(
      () => {}, // the store may be what failed; the message is retried either way
    );
  }

  return {
    /** Handle one message body (JSON-parsed; a body that is not JSON is passed as its text). */
    async handle(body: unknown, delivery: Delivery = {}): Promise<JobResult> {
      let job: Job;
      try {
        job = parseJob(body);
      } catch (error) {
        // giveUp logs the message id itself (a parsed job's line carries it too), so it is not set here twice.
        return giveUp(deps, deps.logger, { body, delivery, error: error as Error });
      }
      const log = deps.logger.child({
        correlationId: job.correlationId,
        job: job.type,
        idempotencyKey: job.idempotencyKey,
      });
      log.info({ event: 'job.start' }, `${job.type} ${job.app}`);
      try {
        const result = await dispatch(job);
        log.info({ event: 'job.done', outcome: result.outcome, deploymentId: result.deploymentId }, result.message);
        return result;
      } catch (error) {
        if (error instanceof PermanentError) return giveUp(deps, log, { body, job, delivery, error });
        const text = error instanceof Error ? error.message : String(error);
        log.error({ event: 'job.failed', error: text }, 'job failed, will be retried');
        await noteFailure(delivery, text);
        throw error;
      }
    },
  };
}

export type Worker = ReturnType<typeof createWorker>;
