import { ConcurrentChangeError } from '../core/errors';
import type { StateStore } from '../ports';

/** How long a delivery id is remembered. GitHub redeliveries keep the id, possibly days later. */
export const DEDUP_TTL_SEC = 7 * 24 * 3600;

/**
 * Claim a delivery key once (create-only conditional write, expires after `ttlSec`). Returns false when the
 * key was already claimed: a duplicate delivery that must change nothing.
 *
 * @example
 *   if (!(await claimOnce(state, 'github', deliveryId, now))) return c.text('duplicate', 200);
 */
export async function claimOnce(
  state: StateStore,
  source: string,
  key: string,
  at: Date,
  ttlSec = DEDUP_TTL_SEC,
): Promise<boolean> {
  try {
    await state.put(
      { pk: 'dedup', sk: `${source}#${key}` },
      { at: at.toISOString() },
      { expectedVersion: null, ttlSec },
    );
    return true;
  } catch (error) {
    if (error instanceof ConcurrentChangeError) return false;
    throw error;
  }
}

/**
 * Forget a claim made by {@link claimOnce}, so a retry of the same delivery is processed. For a caller
 * whose work after the claim failed (e.g. the queue send), which must not leave the delivery marked done.
 */
export async function releaseClaim(state: StateStore, source: string, key: string): Promise<void> {
  await state.delete({ pk: 'dedup', sk: `${source}#${key}` });
}
