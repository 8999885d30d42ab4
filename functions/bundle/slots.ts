import type { Instance } from '../core/config/instances';
import type { Slot } from '../core/config/traffic';

/** The template unit of a slotted instance: `tarmac-<app>-<env>@.service` (instances `@blue`, `@green`). */
export const slotTemplateUnit = (instance: Pick<Instance, 'id'>) => `tarmac-${instance.id}@.service`;

/**
 * A slot's EnvironmentFile: its own port, node name (`<app>_<env>_<slot>`, so both slots can run side by
 * side during a switch) and release tmp dir (its own runtime directory).
 */
export function renderSlotEnv(instance: Instance, slot: Slot): string {
  return [
    `# Rendered by tarmac: slot ${slot.name} of ${instance.app}/${instance.env}.`,
    `PORT=${slot.port}`,
    `RELEASE_NODE=${instance.releaseNode}_${slot.name}`,
    `RELEASE_TMP=/run/${instance.runtimeDirectory}-${slot.name}`,
    '',
  ].join('\n');
}
