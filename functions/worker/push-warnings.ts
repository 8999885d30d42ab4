import { describeNeeds, describePlatform, type HostPlatform, incompatibilities } from '../core/compat';
import { findApp, findFleet } from '../core/config';
import type { Release } from '../core/releases';
import type { WorkerDeps } from './deps';
import { hostPlatformsOf } from './platforms';

/**
 * At `release push`: the hosts of the app's fleet that cannot run an accepted release — as the hosts report
 * it (local hosts that are up), else as `fleets.<name>.platform` declares it (AWS) — in one warning. The push
 * is not refused: the release is recorded, and a deploy to those hosts is what refuses (before anything stops).
 * Nothing known about the hosts, or nothing wrong: no warning.
 */
export async function platformWarnings(
  deps: Pick<WorkerDeps, 'config' | 'hostPlatforms'>,
  release: Release,
): Promise<string[]> {
  const fleetName = findApp(deps.config, release.app)?.fleet;
  const fleet = fleetName ? findFleet(deps.config, fleetName) : undefined;
  if (!release.needs || !fleetName || !fleet) return [];
  const needs = release.needs;
  // A fleet found by EC2 tags lists no hosts: its declared platform stands for all of them.
  const platforms: Record<string, HostPlatform | undefined> =
    fleet.hosts.length > 0
      ? await hostPlatformsOf(deps, fleetName, fleet.hosts)
      : fleet.platform
        ? { 'its hosts': { ...fleet.platform, source: 'declared' } }
        : {};
  const bad = Object.entries(platforms).flatMap(([host, platform]) => {
    const reasons = platform ? incompatibilities(needs, platform) : [];
    return platform && reasons.length
      ? [`${host} (${platform.source}) has ${describePlatform(platform)}: ${reasons.join('; ')}`]
      : [];
  });
  if (bad.length === 0) return [];
  return [
    `warning: ${release.app} ${release.version} cannot run on fleet ${fleetName} — it needs ${describeNeeds(needs)}; ${bad.join('; ')} — a deploy there will be refused`,
  ];
}
