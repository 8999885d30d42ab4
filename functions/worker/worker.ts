import { type Job, parseJob } from '../core/jobs';
import type { WorkerDeps } from './deps';
import { deployerEvent } from './jobs/deployer-event';
import { ingest } from './jobs/ingest';
import { push } from './jobs/push';
import { deploy, lock, promote, rollback, unlock } from './jobs/requests';
import { type JobResult, runOnce } from './once';

/**
 * The worker: one entry point for every queued job, the same in both modes. Validates the message, runs it
 * at most once to completion (idempotency key), and logs one line per outcome with its correlation id.
 * Throws when the job should be retried (the queue redelivers it; past the receive limit it is dead-lettered).
 */
export function createWorker(deps: WorkerDeps) {
  async function dispatch(job: Job): Promise<JobResult> {
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
        case 'deployer-event':
          return deployerEvent(deps, job);
      }
    });
    return result;
  }

  return {
    /** Handle one message body (already JSON-parsed). */
    async handle(body: unknown): Promise<JobResult> {
      const job = parseJob(body);
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
        log.error({ event: 'job.failed', error: error instanceof Error ? error.message : String(error) }, 'job failed');
        throw error;
      }
    },
  };
}

export type Worker = ReturnType<typeof createWorker>;
