import type { Maintenance } from '../core/maintenance';
import type { StateStore } from '../ports';
import { keys } from './keys';

/** The environment's maintenance now (undefined: never switched). */
export async function getMaintenance(state: StateStore, app: string, env: string): Promise<Maintenance | undefined> {
  return (await state.get<Maintenance>(keys.maintenance(app, env)))?.value;
}

/** Record a switch: the current state, and one history entry. */
export async function recordMaintenance(state: StateStore, m: Maintenance): Promise<void> {
  await state.put(keys.maintenanceEvent(m.app, m.env, m.since, `${m.on ? 'on' : 'off'}#${m.by}`), m);
  await state.put(keys.maintenance(m.app, m.env), m);
}

/** The environment's maintenance switches, newest first. */
export async function maintenanceHistory(
  state: StateStore,
  app: string,
  env: string,
  limit = 20,
): Promise<Maintenance[]> {
  const { pk, prefix } = keys.maintenanceEventsOf(app, env);
  return (await state.query<Maintenance>(pk, { prefix, limit, descending: true })).map((item) => item.value);
}
