import type { Lock } from '../core/locks';
import type { StateStore } from '../ports';
import { keys } from './keys';

export async function getLock(state: StateStore, app: string, env: string): Promise<Lock | undefined> {
  return (await state.get<Lock>(keys.lock(app, env)))?.value;
}

/** Take the lock; an existing lock is replaced (the newest reason wins) and keeps nothing else. */
export async function putLock(state: StateStore, lock: Lock): Promise<void> {
  await state.put(keys.lock(lock.app, lock.env), lock);
}

export async function deleteLock(state: StateStore, app: string, env: string): Promise<boolean> {
  const existing = await state.get<Lock>(keys.lock(app, env));
  if (!existing) return false;
  await state.delete(keys.lock(app, env));
  return true;
}
