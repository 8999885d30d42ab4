import { ConcurrentChangeError } from '../core/errors';
import type { StateStore } from '../ports';
import { keys } from './keys';

/** A day: a client retries within seconds, and the answer holds only redacted output. */
export const API_REQUEST_TTL_SEC = 24 * 3600;

type Stored<T> = { readonly status: 'running'; readonly at: string } | { readonly status: 'done'; readonly answer: T };

/** How a request ran: now (`fresh`), earlier (`repeat`: the stored answer), or it still runs elsewhere. */
export type Once<T> = { kind: 'fresh' | 'repeat'; answer: T } | { kind: 'running'; since: string };

/**
 * Run a request once per idempotency key, across retries and servers: the first caller records it as
 * running (create-only) and stores its answer — a failure's answer too, so a retry never runs it again; a
 * later caller gets that answer, or `running` while the first one is still at it.
 */
export async function runOnce<T>(
  state: StateStore,
  key: string,
  now: () => Date,
  run: () => Promise<T>,
): Promise<Once<T>> {
  const at = keys.apiRequest(key);
  try {
    await state.put<Stored<T>>(
      at,
      { status: 'running', at: now().toISOString() },
      {
        expectedVersion: null,
        ttlSec: API_REQUEST_TTL_SEC,
      },
    );
  } catch (error) {
    if (!(error instanceof ConcurrentChangeError)) throw error;
    const stored = (await state.get<Stored<T>>(at))?.value;
    if (stored?.status === 'done') return { kind: 'repeat', answer: stored.answer };
    return { kind: 'running', since: stored?.status === 'running' ? stored.at : 'just now' };
  }
  let answer: T;
  try {
    answer = await run();
  } catch (error) {
    // Not an answer (a bug, a store down): free the key, so the client's retry is not refused for a day.
    await state.delete(at).catch(() => {});
    throw error;
  }
  await state.put<Stored<T>>(at, { status: 'done', answer }, { ttlSec: API_REQUEST_TTL_SEC });
  return { kind: 'fresh', answer };
}
