import { ConcurrentChangeError } from '../core/errors';
import type { StateStore } from '../ports';
import { keys } from './keys';

/** A deployment holding a fleet, or waiting for it (`since`: when it took the fleet, or began to wait). */
export interface FleetSlot {
  readonly deploymentId: string;
  readonly app: string;
  readonly env: string;
  readonly since: string;
}

/**
 * Take the fleet for a deployment (create-only write: two workers cannot both win). Re-entrant: true when
 * the same deployment already holds it (a retried job).
 */
export async function acquireFleet(state: StateStore, fleet: string, slot: FleetSlot): Promise<boolean> {
  try {
    await state.put(keys.fleetActive(fleet), slot, { expectedVersion: null });
    return true;
  } catch (error) {
    if (!(error instanceof ConcurrentChangeError)) throw error;
    const holder = await state.get<FleetSlot>(keys.fleetActive(fleet));
    if (!holder) return acquireFleet(state, fleet, slot);
    return holder.value.deploymentId === slot.deploymentId;
  }
}

export async function fleetHolder(state: StateStore, fleet: string): Promise<FleetSlot | undefined> {
  return (await state.get<FleetSlot>(keys.fleetActive(fleet)))?.value;
}

/** Free the fleet if (and only if) this deployment holds it. */
export async function releaseFleet(state: StateStore, fleet: string, deploymentId: string): Promise<void> {
  const holder = await state.get<FleetSlot>(keys.fleetActive(fleet));
  if (!holder || holder.value.deploymentId !== deploymentId) return;
  try {
    await state.delete(keys.fleetActive(fleet), { expectedVersion: holder.version });
  } catch (error) {
    if (!(error instanceof ConcurrentChangeError)) throw error;
  }
}

/** Record a waiting deploy; returns the one it superseded for the same environment, if any. */
export async function putPending(state: StateStore, fleet: string, pending: FleetSlot): Promise<FleetSlot | undefined> {
  const key = keys.fleetPending(fleet, pending.app, pending.env);
  const previous = await state.get<FleetSlot>(key);
  await state.put(key, pending);
  return previous && previous.value.deploymentId !== pending.deploymentId ? previous.value : undefined;
}

export async function listPending(state: StateStore, fleet: string): Promise<FleetSlot[]> {
  const { pk, prefix } = keys.pendingOf(fleet);
  return (await state.query<FleetSlot>(pk, { prefix }))
    .map((i) => i.value)
    .sort((a, b) => a.since.localeCompare(b.since));
}

/** Remove and return the oldest waiting deploy of a fleet (compare-and-set, so only one worker gets it). */
export async function takeNextPending(state: StateStore, fleet: string): Promise<FleetSlot | undefined> {
  for (const pending of await listPending(state, fleet)) {
    const key = keys.fleetPending(fleet, pending.app, pending.env);
    const item = await state.get<FleetSlot>(key);
    if (!item || item.value.deploymentId !== pending.deploymentId) continue;
    try {
      await state.delete(key, { expectedVersion: item.version });
      return pending;
    } catch (error) {
      if (!(error instanceof ConcurrentChangeError)) throw error;
    }
  }
  return undefined;
}

/** Remove the waiting deploy of one environment (an aborted request); returns it, if there was one. */
export async function dropPending(
  state: StateStore,
  fleet: string,
  app: string,
  env: string,
): Promise<FleetSlot | undefined> {
  const key = keys.fleetPending(fleet, app, env);
  const item = await state.get<FleetSlot>(key);
  if (!item) return undefined;
  try {
    await state.delete(key, { expectedVersion: item.version });
  } catch (error) {
    if (!(error instanceof ConcurrentChangeError)) throw error;
    return undefined; // the worker started it meanwhile: the running deployment is aborted instead
  }
  return item.value;
}
