import { AttemptsExhaustedError, ConcurrentChangeError, PermanentError, TarmacError } from '../core/errors';
import type { Job } from '../core/jobs';
import type { Clock, Ids, StateStore } from '../ports';
import type { JobRecord, JobResult } from '../state/jobs';
import { keys } from '../state/keys';

/** How long a finished job's record keeps a redelivery from running it again. */
export const JOB_RECORD_TTL_SEC = 7 * 24 * 3600;
/** Runs of one job before the worker gives up on it (its own runs: not the receives it waited behind another). */
export const MAX_ATTEMPTS = 5;

/**
 * Run a job at most once to completion, keyed by its idempotency key — an equivalent of Powertools
 * idempotency built on the state port's conditional writes, so it works on SQLite and DynamoDB alike.
 * A finished job is skipped; an interrupted one (crash before the ack) runs again with the same ids, and
 * every handler is written to resume (create-only writes, re-entrant fleet slots).
 *
 * Runs are counted in the record, so a job that fails (or dies) on `maxAttempts` runs is given up with
 * {@link AttemptsExhaustedError}, whatever the queue's receive count says: in a FIFO batch the messages behind
 * a failing one are received, and counted, with it, without ever running.
 */
export async function runOnce(
  deps: { state: StateStore; clock: Clock; ids: Ids },
  job: Job,
  handler: (record: JobRecord) => Promise<JobResult>,
  maxAttempts = MAX_ATTEMPTS,
): Promise<{ result: JobResult; replayed: boolean }> {
  const claimed = await claim(deps, job, maxAttempts);
  if ('replayed' in claimed) return { result: claimed.replayed, replayed: true };
  let result: JobResult;
  try {
    result = await handler(claimed.value);
  } catch (error) {
    throw await failedAttempt(deps.state, job, claimed, maxAttempts, error);
  }
  await finishJob(deps.state, job.idempotencyKey, result, claimed.value);
  return { result, replayed: false };
}

type Item = { readonly value: JobRecord; readonly version: number };

/** The job's record for this run: created on the first run, counted on every later one. */
async function claim(
  deps: { state: StateStore; clock: Clock; ids: Ids },
  job: Job,
  maxAttempts: number,
): Promise<Item | { replayed: JobResult }> {
  const key = keys.job(job.idempotencyKey);
  const item = await deps.state.get<JobRecord>(key);
  if (item?.value.status === 'done' && item.value.result) return { replayed: item.value.result };
  if (item) return countAttempt(deps.state, job, item, maxAttempts);
  const record: JobRecord = {
    status: 'in_progress',
    type: job.type,
    deploymentId: deps.ids.next(),
    startedAt: deps.clock.now().toISOString(),
    attempts: 1,
  };
  try {
    await deps.state.put(key, record, { expectedVersion: null, ttlSec: JOB_RECORD_TTL_SEC });
  } catch (error) {
    if (!(error instanceof ConcurrentChangeError)) throw error;
  }
  const created = await deps.state.get<JobRecord>(key);
  if (!created)
    throw new TarmacError(`job record ${job.idempotencyKey} vanished`, { key, idempotencyKey: job.idempotencyKey });
  if (created.value.status === 'done' && created.value.result) return { replayed: created.value.result };
  return created;
}

/** Mark a job done with its result: a redelivery of it is skipped from now on. */
export async function finishJob(
  state: StateStore,
  idempotencyKey: string,
  result: JobResult,
  record?: JobRecord,
): Promise<void> {
  const key = keys.job(idempotencyKey);
  const base = record ?? (await state.get<JobRecord>(key))?.value;
  if (!base) return;
  await state.put(key, { ...base, status: 'done', result }, { ttlSec: JOB_RECORD_TTL_SEC });
}

/** A new run of a job that already started: count it, or give up once every allowed run was used. */
async function countAttempt(state: StateStore, job: Job, item: Item, maxAttempts: number): Promise<Item> {
  const attempts = (item.value.attempts ?? 1) + 1;
  if (attempts > maxAttempts) {
    throw new AttemptsExhaustedError(job.idempotencyKey, attempts - 1, item.value.lastError);
  }
  const value = { ...item.value, attempts };
  try {
    const version = await state.put(keys.job(job.idempotencyKey), value, {
      expectedVersion: item.version,
      ttlSec: JOB_RECORD_TTL_SEC,
    });
    return { value, version };
  } catch (error) {
    if (!(error instanceof ConcurrentChangeError)) throw error;
    return item; // another worker counted it: run with its record
  }
}

/** Note why a run failed; the error to throw: the same one, or AttemptsExhausted on the last allowed run. */
async function failedAttempt(state: StateStore, job: Job, item: Item, maxAttempts: number, error: unknown) {
  if (error instanceof PermanentError) return error;
  const lastError = error instanceof Error ? error.message : String(error);
  try {
    await state.put(keys.job(job.idempotencyKey), { ...item.value, lastError }, { ttlSec: JOB_RECORD_TTL_SEC });
  } catch {
    // The store may be what failed: the error is retried and logged either way.
  }
  const attempts = item.value.attempts ?? 1;
  return attempts >= maxAttempts
    ? new AttemptsExhaustedError(job.idempotencyKey, attempts, lastError, { cause: error })
    : error;
}
