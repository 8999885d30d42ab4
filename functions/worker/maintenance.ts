import { instanceOf } from '../core/config/instances';
import type { TarmacConfig } from '../core/config/schema';
import { type Maintenance, MaintenanceUnavailableError, maintenanceScript } from '../core/maintenance';
import type { Clock, FleetCommands, StateStore } from '../ports';
import { recordMaintenance } from '../state/maintenance';

export interface MaintenanceDeps {
  readonly config: TarmacConfig;
  readonly state: StateStore;
  readonly clock: Clock;
  /** How the switch reaches the fleet's hosts; missing: this composition cannot reach hosts. */
  readonly fleetCommands?: FleetCommands | undefined;
}

export interface MaintenanceRequest {
  readonly app: string;
  readonly env: string;
  readonly on: boolean;
  readonly by: string;
  readonly reason?: string | undefined;
}

/**
 * Switch maintenance on or off for one instance on every host of its fleet, and record it (state and
 * history). The one operation behind `tarmac maintenance`, the Slack command and the write API. Throws
 * `UnknownNameError` for a name not in tarmac.yml and {@link MaintenanceUnavailableError} without nginx;
 * hosts that could not be switched are named in the result's `failed` (the others are switched).
 */
export async function setMaintenance(deps: MaintenanceDeps, request: MaintenanceRequest): Promise<Maintenance> {
  const instance = instanceOf(deps.config, request.app, request.env);
  if (!instance.nginx) throw new MaintenanceUnavailableError(request.app, request.env);
  if (!deps.fleetCommands) throw new Error('this tarmac cannot reach hosts (no fleet command runner configured)');
  const fleet = instance.fleet;
  // Local: the fleet's host names; AWS: its EC2 tags (the adapter finds the instances).
  const hosts = instance.fleetConfig.hosts;
  const outcomes = await deps.fleetCommands.run(
    { fleet, hosts, ...(instance.fleetConfig.ec2_tags ? { ec2Tags: instance.fleetConfig.ec2_tags } : {}) },
    maintenanceScript(instance, request.on),
    { comment: `tarmac maintenance ${request.on ? 'on' : 'off'} ${instance.app}/${instance.env} by ${request.by}` },
  );
  const record: Maintenance = {
    app: request.app,
    env: request.env,
    on: request.on,
    by: request.by,
    ...(request.reason ? { reason: request.reason } : {}),
    since: deps.clock.now().toISOString(),
    hosts: outcomes.filter((o) => o.ok).map((o) => o.host),
    failed: outcomes
      .filter((o) => !o.ok)
      .map((o) => ({ host: o.host, error: o.output.trim().split('\n').at(-1) ?? '' })),
  };
  await recordMaintenance(deps.state, record);
  return record;
}
