import type { Job } from '../core/jobs';
import type { StateStore } from '../ports';
import { keys } from './keys';

/** What the worker records per job, keyed by its idempotency key (see worker/once.ts). */
export interface JobRecord {
  readonly status: 'in_progress' | 'done';
  readonly type: Job['type'];
  /** Ids chosen on the first attempt, reused by every retry (a retried deploy reuses its deployment id). */
  readonly deploymentId: string;
  readonly startedAt: string;
  /** Runs started so far (absent on records older than attempt counting: 1). */
  readonly attempts?: number;
  /** Why the last run failed, when it failed with an error (a run that died leaves none). */
  readonly lastError?: string;
  readonly result?: JobResult;
}

export interface JobResult {
  readonly outcome: 'done' | 'refused' | 'rejected' | 'skipped' | 'failed';
  readonly message: string;
  readonly deploymentId?: string;
}

/** The outcome of a job, for clients waiting on it (`tarmac deploy --wait`). */
export async function jobOutcome(state: StateStore, idempotencyKey: string): Promise<JobRecord | undefined> {
  return (await state.get<JobRecord>(keys.job(idempotencyKey)))?.value;
}
