import type { StateStore } from '../ports';
import { keys } from './keys';

/**
 * One operator session on a host: a `tarmac eval` (with its expression) or a `tarmac console`. Recorded
 * before the command runs (so a session that is cut off still leaves its trace), completed when it ends.
 */
export interface AccessRecord {
  readonly id: string;
  readonly app: string;
  readonly env: string;
  readonly host: string;
  readonly kind: 'eval' | 'console';
  /** The eval expression, known secret values redacted. */
  readonly expression?: string | undefined;
  readonly by: string;
  readonly at: string;
  /** `aws`: through SSM; `local`: through the local hosts. */
  readonly via: string;
  readonly endedAt?: string | undefined;
  /** The command's exit status once it ended (a console's is its shell's). */
  readonly exitCode?: number | null | undefined;
}

/** Keep a year of them: an audit trail outlives the deployments it sits between. */
export const ACCESS_TTL_SEC = 365 * 24 * 3600;

/** Record a session that is about to start. */
export async function recordAccess(state: StateStore, record: AccessRecord): Promise<void> {
  await state.put(keys.access(record.app, record.env, record.at, record.id), record, { ttlSec: ACCESS_TTL_SEC });
}

/** Add how a recorded session ended. */
export async function finishAccess(
  state: StateStore,
  record: AccessRecord,
  end: { endedAt: string; exitCode: number | null },
): Promise<void> {
  await recordAccess(state, { ...record, ...end });
}

/** Newest first. */
export async function accessHistory(state: StateStore, app: string, env: string, limit = 20): Promise<AccessRecord[]> {
  const { pk, prefix } = keys.accessOf(app, env);
  return (await state.query<AccessRecord>(pk, { prefix, limit, descending: true })).map((i) => i.value);
}

/**
 * Record a session, run it, record how it ended — also when running it threw, so a session that is cut off
 * still leaves its trace. `now` stamps the end (the record's `at` is its start).
 */
export async function auditedSession(
  state: StateStore,
  record: AccessRecord,
  now: () => Date,
  run: () => Promise<number | null>,
): Promise<number | null> {
  await recordAccess(state, record);
  let exitCode: number | null = null;
  try {
    exitCode = await run();
    return exitCode;
  } finally {
    await finishAccess(state, record, { endedAt: now().toISOString(), exitCode });
  }
}
