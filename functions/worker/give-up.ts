import { requireApp, requireEnvironment } from '../core/config';
import { AttemptsExhaustedError, UnknownNameError } from '../core/errors';
import type { Job } from '../core/jobs';
import type { Logger } from '../log';
import { type FailedJob, recordFailedJob } from '../state/failed-jobs';
import type { JobResult } from '../state/jobs';
import type { WorkerDeps } from './deps';
import { finishJob } from './once';
import { tell } from './tell';

/** Where a message came from, when the queue says (its id names a body that is not a job). */
export interface Delivery {
  readonly messageId?: string | undefined;
  /**
   * The queue's receive count, given by consumers whose queue keeps no failure reason (SQS): a failed run is
   * then recorded by message id for the dead-letter listing (state/message-failures.ts).
   */
  readonly receiveCount?: number | undefined;
}

/** CloudWatch metric (embedded metric format in the worker's log line) the `FailedJobs` alarm watches. */
export const FAILED_JOBS_METRIC = { namespace: 'Tarmac', name: 'FailedJobs' } as const;

/** Refuse a job naming an app or environment the configuration does not have (retrying cannot fix it). */
export function assertKnownNames(config: WorkerDeps['config'], job: Job): void {
  // Own names only (core/config/lookup.ts): `constructor` is not an app, `toString` not an environment.
  const app = requireApp(config, job.app);
  const envs = 'env' in job ? [job.env] : job.type === 'promote' ? [job.from, job.to] : [];
  for (const env of envs) requireEnvironment(config, job.app, env);
  if (job.type === 'fleet-free' && app.fleet !== job.fleet) {
    throw new UnknownNameError('fleet', job.fleet, [app.fleet]);
  }
}

/**
 * Give up on a message: record it where an operator sees it (`tarmac status`, the read API, the dashboard),
 * count it in the `FailedJobs` metric, tell whoever asked, and mark the job done so the queue acknowledges
 * it and the rest of its FIFO group goes on at once. Throws only when the record cannot be written (the
 * message is then retried, never lost).
 */
export async function giveUp(
  deps: WorkerDeps,
  log: Logger,
  input: { body: unknown; job?: Job | undefined; delivery: Delivery; error: Error },
): Promise<JobResult> {
  const { job, delivery, error } = input;
  const failed: FailedJob = {
    id: job?.idempotencyKey ?? delivery.messageId ?? 'unknown',
    messageId: delivery.messageId,
    type: job?.type ?? bodyField(input.body, 'type'),
    app: job?.app ?? bodyField(input.body, 'app'),
    env: job && 'env' in job ? job.env : job?.type === 'promote' ? job.to : undefined,
    correlationId: job?.correlationId ?? bodyField(input.body, 'correlationId'),
    errorName: error.name,
    error: error.message,
    reason: error instanceof AttemptsExhaustedError ? 'attempts' : 'permanent',
    attempts: error instanceof AttemptsExhaustedError ? Number(error.data.attempts) : 1,
    at: deps.clock.now().toISOString(),
    body: input.body,
  };
  await recordFailedJob(deps.state, failed);
  log.error(
    {
      event: 'job.given_up',
      // A parsed job's logger carries its correlation id already; an invalid body's may name one.
      messageId: failed.messageId,
      ...(job ? {} : { correlationId: failed.correlationId }),
      reason: failed.reason,
      error: failed.error,
      [FAILED_JOBS_METRIC.name]: 1,
      _aws: {
        Timestamp: deps.clock.now().getTime(),
        CloudWatchMetrics: [
          {
            Namespace: FAILED_JOBS_METRIC.namespace,
            Dimensions: [[]],
            Metrics: [{ Name: FAILED_JOBS_METRIC.name, Unit: 'Count' }],
          },
        ],
      },
    },
    'job given up: not retried',
  );
  const message = `${failed.type ?? 'message'} ${failed.id} not done: ${failed.error}`;
  const result: JobResult = { outcome: 'failed', message };
  if (job) {
    await tell(deps, job, 'rejected', message);
    await finishJob(deps.state, job.idempotencyKey, result);
  }
  return result;
}

/** A string field of a body that is not a valid job, to help find it (never trusted otherwise). */
function bodyField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value.slice(0, 128) : undefined;
}
