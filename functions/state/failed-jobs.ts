import type { StateStore } from '../ports';
import { keys } from './keys';

/** How long a failed job stays listed (the operator's window to read it and resend a fixed one). */
export const FAILED_JOB_TTL_SEC = 30 * 24 * 3600;

/** A job the worker acknowledged without doing it: what it was, why, and how to find its logs. */
export interface FailedJob {
  /** The job's idempotency key, or the queue message id when the body is not a job at all. */
  readonly id: string;
  readonly messageId?: string | undefined;
  readonly type?: string | undefined;
  readonly app?: string | undefined;
  readonly env?: string | undefined;
  readonly correlationId?: string | undefined;
  /** The error's class name (`InvalidJobError`, `UnknownNameError`, …) and message. */
  readonly errorName: string;
  readonly error: string;
  /** `permanent`: retrying could never help; `attempts`: it failed on every one of its attempts. */
  readonly reason: 'permanent' | 'attempts';
  readonly attempts: number;
  readonly at: string;
  /** The message body as received, so nothing is lost (a fixed copy can be sent again). */
  readonly body: unknown;
}

export async function recordFailedJob(state: StateStore, failed: FailedJob): Promise<void> {
  await state.put(keys.failedJob(failed.at, failed.id), failed, { ttlSec: FAILED_JOB_TTL_SEC });
}

/** The newest failed jobs first. */
export async function listFailedJobs(state: StateStore, limit = 20): Promise<FailedJob[]> {
  return (await state.query<FailedJob>(keys.failedJobs, { descending: true, limit })).map((i) => i.value);
}
