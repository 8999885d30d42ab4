import { groupBy } from '../collections';
import type { ConfigIssue } from '../errors';
import { canaryIssues } from './canary-checks';
import { databaseOnServer } from './database';
import { allInstances, type Instance } from './instances';
import { findFleet } from './lookup';
import { secretVariable } from './reserved';
import type { TarmacConfig } from './schema';
import { assertSshHosts } from './ssh-hosts';

/**
 * Where a setting must be unique. `fleet`: among instances that share a fleet, and also among instances of
 * different fleets that share a host listed in both fleets' `hosts:`. `everywhere`: across the whole file —
 * names derived from `<app>-<env>` on every host, because in AWS mode the hosts of a fleet are EC2 tags, and
 * which instances carry the tags of several fleets is only known at deploy time.
 */
type Scope = 'fleet' | 'everywhere';

const UNIQUE: ReadonlyArray<{
  label: string;
  key: string;
  scope: Scope;
  /** The instance's value(s) of the setting; several when it holds more than one (its slots' ports). */
  read: (instance: Instance) => string | number | undefined | readonly number[];
}> = [
  { label: 'port', key: 'port', scope: 'fleet', read: (i) => (i.slots ? [i.port, i.slots.green.port] : i.port) },
  { label: 'database', key: 'database', scope: 'fleet', read: (i) => databaseOnServer(i.database) },
  { label: 'domain', key: 'domain', scope: 'fleet', read: (i) => i.domain },
  { label: 'RELEASE_NODE', key: '(derived)', scope: 'everywhere', read: (i) => i.releaseNode },
  { label: 'system user', key: '(derived)', scope: 'everywhere', read: (i) => i.systemUser },
  { label: 'unit (and credentials dir)', key: '(derived)', scope: 'everywhere', read: (i) => i.unit },
  { label: 'state dir', key: '(derived)', scope: 'everywhere', read: (i) => i.stateDirectory },
];

/**
 * Cross-instance assertions. Returns every issue found (never stops at the first), each naming the value,
 * every instance involved and where they meet, e.g. `port 4000 is used by hello/staging and
 * hello/production on fleet web — ports must be unique per fleet`.
 */
export function assertConfig(config: TarmacConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [...assertSshHosts(config)];
  for (const [app, appConfig] of Object.entries(config.apps)) {
    if (!findFleet(config, appConfig.fleet)) {
      issues.push({
        path: `apps.${app}.fleet`,
        message: `unknown fleet "${appConfig.fleet}" — define it under fleets: (known: ${Object.keys(config.fleets).join(', ') || 'none'})`,
      });
    }
  }
  issues.push(...canaryIssues(config));
  const instances = allInstances(config);
  for (const i of instances) {
    const db = i.database;
    if (db?.kind === 'server' && i.fleetConfig.hosts.length > 0 && !i.fleetConfig.hosts.includes(db.server)) {
      issues.push({
        path: `apps.${i.app}.environments.${i.env}.database.server`,
        message: `database server ${db.server} is not a host of fleet ${i.fleet} (${i.fleetConfig.hosts.join(', ')}) — name one of them, or use an external database (host:)`,
      });
    }
    for (const key of Object.keys(i.env_).filter((k) => i.secrets.some((name) => secretVariable(name) === k))) {
      issues.push({
        path: `apps.${i.app}.environments.${i.env}.env.${key}`,
        message: `env key ${key} is also the variable of a secret of ${i.app}/${i.env} (the secret would win) — remove one`,
      });
    }
  }
  issues.push(...instances.flatMap(trafficIssues));
  for (const rule of UNIQUE) {
    if (rule.scope === 'everywhere') {
      issues.push(...clashes(rule, instances, (names) => names, 'must be unique, whatever their fleets'));
      continue;
    }
    for (const [fleet, members] of groupBy(instances, (i) => i.fleet)) {
      issues.push(...clashes(rule, members, (names) => `${names} on fleet ${fleet}`, 'must be unique per fleet'));
    }
    for (const [host, members] of sharedHosts(instances)) {
      const across = (group: Instance[]) => new Set(group.map((i) => i.fleet)).size > 1;
      issues.push(...clashes(rule, members, (names) => `${names} on host ${host}`, 'must be unique per host', across));
    }
  }
  return issues;
}

function clashes(
  rule: (typeof UNIQUE)[number],
  instances: Instance[],
  where: (names: string) => string,
  must: string,
  relevant: (group: Instance[]) => boolean = () => true,
): ConfigIssue[] {
  const groups = new Map<string, Instance[]>();
  for (const instance of instances) {
    const read = rule.read(instance);
    const values = new Set((Array.isArray(read) ? read : [read]).filter((v) => v !== undefined).map(String));
    for (const value of values) groups.set(value, [...(groups.get(value) ?? []), instance]);
  }
  return [...groups]
    .filter(([, group]) => group.length > 1 && relevant(group))
    .map(([value, group]) => {
      const first = group[0] as Instance;
      const label = rule.label.split(' (')[0];
      const fleets = new Set(group.map((i) => i.fleet));
      const names =
        fleets.size === 1 && rule.scope === 'everywhere'
          ? `${joinNames(group.map((i) => `${i.app}/${i.env}`))} on fleet ${first.fleet}`
          : joinNames(
              group.map((i) => (fleets.size > 1 ? `${i.app}/${i.env} (fleet ${i.fleet})` : `${i.app}/${i.env}`)),
            );
      return {
        path: `apps.${first.app}.environments.${first.env}${rule.key === '(derived)' ? '' : `.${rule.key}`}`,
        message: `${rule.label} ${value} is used by ${where(names)} — ${label}s ${must}`,
      };
    });
}

/** Hosts named by more than one fleet, with the instances of all those fleets. */
function sharedHosts(instances: Instance[]): Map<string, Instance[]> {
  const byHost = new Map<string, Instance[]>();
  for (const instance of instances) {
    for (const host of instance.fleetConfig.hosts) byHost.set(host, [...(byHost.get(host) ?? []), instance]);
  }
  return new Map([...byHost].filter(([, group]) => new Set(group.map((i) => i.fleet)).size > 1));
}

function joinNames(names: string[]): string {
  if (names.length <= 2) return names.join(' and ');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** nginx routes by domain, and slots are switched in nginx: each needs the other's prerequisite. */
function trafficIssues(i: Instance): ConfigIssue[] {
  const path = `apps.${i.app}.environments.${i.env}`;
  const issues: ConfigIssue[] = [];
  if (i.nginx && !i.domain) {
    issues.push({
      path: `${path}.domain`,
      message: `nginx is enabled for ${i.app}/${i.env} but it has no domain — add domain: (the vhost's server_name) or set nginx: false`,
    });
  }
  if (i.slots && !i.nginx) {
    issues.push({
      path: `${path}.slots`,
      message: `slots of ${i.app}/${i.env} need nginx (it switches traffic between them) — add nginx: true here or on fleet ${i.fleet}`,
    });
  }
  if (i.slots && i.slots.green.port === i.port) {
    issues.push({
      path: `${path}.slots.green_port`,
      message: `green_port ${i.port} of ${i.app}/${i.env} is also its port (blue) — pick another port`,
    });
  }
  return issues;
}
