import { ConcurrentChangeError } from '../core/errors';
import type { Job } from '../core/jobs';
import type { Clock, Ids, StateStore } from '../ports';
import { keys } from '../state/keys';

/** How long a finished job's record keeps a redelivery from running it again. */
export const JOB_RECORD_TTL_SEC = 7 * 24 * 3600;

export interface JobRecord {
  readonly status: 'in_progress' | 'done';
  readonly type: Job['type'];
  /** Ids chosen on the first attempt, reused by every retry (a retried deploy reuses its deployment id). */
  readonly deploymentId: string;
  readonly startedAt: string;
  readonly result?: JobResult;
}

export interface JobResult {
  readonly outcome: 'done' | 'refused' | 'rejected' | 'skipped';
  readonly message: string;
  readonly deploymentId?: string;
}

/**
 * Run a job at most once to completion, keyed by its idempotency key — an equivalent of Powertools
 * idempotency built on the state port's conditional writes, so it works on SQLite and DynamoDB alike.
 * A finished job is skipped; an interrupted one (crash before the ack) runs again with the same ids, and
 * every handler is written to resume (create-only writes, re-entrant fleet slots).
 */
export async function runOnce(
  deps: { state: StateStore; clock: Clock; ids: Ids },
  job: Job,
  handler: (record: JobRecord) => Promise<JobResult>,
): Promise<{ result: JobResult; replayed: boolean }> {
  const key = keys.job(job.idempotencyKey);
  let item = await deps.state.get<JobRecord>(key);
  if (item?.value.status === 'done' && item.value.result) return { result: item.value.result, replayed: true };
  if (!item) {
    const record: JobRecord = {
      status: 'in_progress',
      type: job.type,
      deploymentId: deps.ids.next(),
      startedAt: deps.clock.now().toISOString(),
    };
    try {
      await deps.state.put(key, record, { expectedVersion: null, ttlSec: JOB_RECORD_TTL_SEC });
    } catch (error) {
      if (!(error instanceof ConcurrentChangeError)) throw error;
    }
    item = await deps.state.get<JobRecord>(key);
    if (!item) throw new Error(`job record ${job.idempotencyKey} vanished`);
    if (item.value.status === 'done' && item.value.result) return { result: item.value.result, replayed: true };
  }
  const result = await handler(item.value);
  await deps.state.put(key, { ...item.value, status: 'done', result }, { ttlSec: JOB_RECORD_TTL_SEC });
  return { result, replayed: false };
}

/** The outcome of a job, for clients waiting on it (`tarmac deploy --wait`). */
export async function jobOutcome(state: StateStore, idempotencyKey: string): Promise<JobRecord | undefined> {
  return (await state.get<JobRecord>(keys.job(idempotencyKey)))?.value;
}
