import { fleetPlatforms, type HostPlatform } from '../core/compat';
import { findFleet } from '../core/config';
import type { WorkerDeps } from './deps';

/** What each host of a fleet offers a release: reported by the hosts (deps.hostPlatforms), else declared. */
export async function hostPlatformsOf(
  deps: Pick<WorkerDeps, 'config' | 'hostPlatforms'>,
  fleet: string,
  hosts: readonly string[],
): Promise<Record<string, HostPlatform | undefined>> {
  const reported = (await deps.hostPlatforms?.(hosts)) ?? {};
  return fleetPlatforms(hosts, findFleet(deps.config, fleet)?.platform, reported);
}
