import { fleetPlatforms, type HostPlatform } from '../core/compat';
import { findFleet, fleetHosts, instanceOf, requireEnvironment } from '../core/config';
import type { TarmacConfig } from '../core/config/schema';
import { TarmacError } from '../core/errors';
import { planDeployment } from '../core/plans';
import type { StateStore } from '../ports';
import { getCurrent } from './deployments';
import type { PlanView } from './read-api';
import { findRelease } from './releases';

/** No accepted release matches what a plan asks for. */
export class NoReleaseToPlanError extends TarmacError {
  constructor(app: string, ref: string | undefined) {
    super(
      `${app}: no accepted release ${ref ? `matching "${ref}"` : 'yet'} — tarmac release push <tarball> --app ${app} --version <v>`,
      { app, ref },
    );
    this.name = 'NoReleaseToPlanError';
  }
}

/**
 * What a deploy of `ref` (default: the newest accepted release) would do, host by host — the same plan the
 * worker makes, without recording anything. `tarmac plan` prints it, locally or from the read API.
 */
export async function planView(
  deps: {
    readonly config: TarmacConfig;
    readonly state: StateStore;
    /** Which of the hosts are down (local test hosts); omitted: all counted up. */
    readonly unreachableHosts?: ((hosts: readonly string[]) => Promise<string[]>) | undefined;
    /** What the hosts report they offer a release (local test hosts); else the fleet's declared platform. */
    readonly hostPlatforms?:
      | ((hosts: readonly string[]) => Promise<Record<string, HostPlatform | undefined>>)
      | undefined;
  },
  app: string,
  env: string,
  ref?: string,
): Promise<PlanView> {
  requireEnvironment(deps.config, app, env);
  const release = await findRelease(deps.state, app, ref);
  if (!release) throw new NoReleaseToPlanError(app, ref);
  const instance = instanceOf(deps.config, app, env);
  const current = await getCurrent(deps.state, app, env);
  const hosts = fleetHosts(deps.config, instance.fleet);
  const plan = planDeployment({
    instance,
    hosts,
    unreachable: (await deps.unreachableHosts?.(hosts)) ?? [],
    platforms: fleetPlatforms(
      hosts,
      findFleet(deps.config, instance.fleet)?.platform,
      (await deps.hostPlatforms?.(hosts)) ?? {},
    ),
    release,
    previousReleaseId: current?.releaseId,
    deploymentId: '(planned)',
    correlationId: '(planned)',
  });
  return {
    plan,
    current: current ? { version: current.version } : undefined,
    instance: { unit: instance.unit, port: instance.port, systemUser: instance.systemUser },
  };
}
