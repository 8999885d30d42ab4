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

/** Throw {@link EnvironmentLockedError} (which says who, why, how long and how to unlock) when locked. */
export function assertUnlocked(lock: Lock | undefined, now: Date): void {
  if (lock) throw new EnvironmentLockedError(lock.app, lock.env, lock, formatAge(lock.since, now));
}
