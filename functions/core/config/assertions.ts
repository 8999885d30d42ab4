import { groupBy } from '../collections';
import type { ConfigIssue } from '../errors';
import { allInstances, type Instance } from './instances';
import { findFleet } from './lookup';
import type { TarmacConfig } from './schema';

/**
 * What must be unique among instances that share a fleet (they run side by side on the same hosts).
 * Each entry: a label for messages, the config path of the setting, and how to read it off an instance.
 */
const UNIQUE_PER_FLEET: ReadonlyArray<{
  label: string;
  key: string;
  read: (instance: Instance) => string | number | undefined;
}> = [
  { label: 'port', key: 'port', read: (i) => i.port },
  { label: 'RELEASE_NODE', key: '(derived)', read: (i) => i.releaseNode },
  { label: 'system user', key: '(derived)', read: (i) => i.systemUser },
  { label: 'state dir', key: '(derived)', read: (i) => i.stateDirectory },
  { label: 'database', key: 'database', read: (i) => i.database },
  { label: 'domain', key: 'domain', read: (i) => i.domain },
];

/**
 * Cross-instance assertions. Returns every issue found (never stops at the first), each naming the value,
 * every instance involved and the fleet, e.g. `port 4000 is used by hello/staging and hello/production on
 * fleet web — ports must be unique per fleet`.
 */
export function assertConfig(config: TarmacConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [app, appConfig] of Object.entries(config.apps)) {
    if (!findFleet(config, appConfig.fleet)) {
      issues.push({
        path: `apps.${app}.fleet`,
        message: `unknown fleet "${appConfig.fleet}" — define it under fleets: (known: ${Object.keys(config.fleets).join(', ') || 'none'})`,
      });
    }
  }
  const byFleet = groupBy(allInstances(config), (instance) => instance.fleet);
  for (const [fleet, instances] of byFleet) {
    for (const rule of UNIQUE_PER_FLEET) {
      const users = groupBy(
        instances.filter((i) => rule.read(i) !== undefined),
        (i) => String(rule.read(i)),
      );
      for (const [value, clashing] of users) {
        if (clashing.length < 2) continue;
        const names = clashing.map((i) => `${i.app}/${i.env}`);
        const first = clashing[0] as Instance;
        issues.push({
          path:
            rule.key === '(derived)'
              ? `apps.${first.app}.environments.${first.env}`
              : `apps.${first.app}.environments.${first.env}.${rule.key}`,
          message: `${rule.label} ${value} is used by ${joinNames(names)} on fleet ${fleet} — ${rule.label}s must be unique per fleet`,
        });
      }
    }
  }
  return issues;
}

function joinNames(names: string[]): string {
  if (names.length <= 2) return names.join(' and ');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
