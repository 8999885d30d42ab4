import { formatAge } from './clock';
import { EnvironmentLockedError } from './errors';

export interface Lock {
  readonly app: string;
  readonly env: string;
  readonly by: string;
  readonly reason: string;
  /** ISO time the lock was taken. */
  readonly since: string;
}

/**
 * The refusal a lock makes: an {@link EnvironmentLockedError} saying who, why, how long ago and how to unlock;
 * undefined when not locked. Returned, not thrown: a refused deploy is an answer to the requester, not a failure.
 */
export function lockRefusal(lock: Lock | undefined, now: Date): EnvironmentLockedError | undefined {
  return lock && new EnvironmentLockedError(lock.app, lock.env, lock, formatAge(lock.since, now));
}
