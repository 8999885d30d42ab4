import { ConcurrentChangeError } from '../core/errors';
import { type BranchHead, movesHead, type RefUpdate, refUpdateId } from '../core/pushes';
import type { StateStore } from '../ports';
import { keys } from './keys';

/** How long a ref update is remembered as seen (a replay older than this still cannot pass {@link movesHead}). */
export const PUSH_SEEN_TTL_SEC = 90 * 24 * 3600;

/** What a push did to its branch: nothing (a replay), moved it, or found a newer head. */
export type PushVerdict =
  | { readonly kind: 'replay' }
  | { readonly kind: 'newest'; readonly head: BranchHead }
  | { readonly kind: 'stale'; readonly head: BranchHead };

/**
 * Record a push once and move the branch head if the push is the newest.
 * `by` is the job's idempotency key: a retried job (crash before its ack) resumes where it stopped, while
 * another delivery of the same signed body is a replay and changes nothing.
 */
export async function recordPush(
  state: StateStore,
  app: string,
  update: RefUpdate & { readonly pusher: string },
  by: string,
  at: Date,
): Promise<PushVerdict> {
  if (!(await claimUpdate(state, app, update, by, at))) return { kind: 'replay' };
  const headKey = keys.branchHead(app, update.branch);
  const current = await state.get<BranchHead>(headKey);
  if (current?.value.by === by) return { kind: 'newest', head: current.value };
  if (current && !movesHead(update, current.value)) return { kind: 'stale', head: current.value };
  const head: BranchHead = {
    branch: update.branch,
    sha: update.after,
    pushedAt: update.pushedAt,
    pusher: update.pusher,
    by,
  };
  // Jobs of one app share its fleet's queue group, so pushes are handled one at a time; the version check
  // only guards against a second worker on the same queue.
  await state.put(headKey, head, { expectedVersion: current?.version ?? null });
  return { kind: 'newest', head };
}

async function claimUpdate(state: StateStore, app: string, update: RefUpdate, by: string, at: Date): Promise<boolean> {
  const key = keys.pushSeen(app, update.branch, refUpdateId(update));
  try {
    await state.put(key, { by, at: at.toISOString() }, { expectedVersion: null, ttlSec: PUSH_SEEN_TTL_SEC });
    return true;
  } catch (error) {
    if (!(error instanceof ConcurrentChangeError)) throw error;
    return (await state.get<{ by: string }>(key))?.value.by === by;
  }
}

/** The branches of `app` whose head is `sha`. */
export async function branchesAt(state: StateStore, app: string, sha: string): Promise<BranchHead[]> {
  const { pk, prefix } = keys.headsOf(app);
  const heads = await state.query<BranchHead>(pk, { prefix });
  return heads.map((h) => h.value).filter((h) => h.sha === sha);
}
