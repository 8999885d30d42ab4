import { reachableBatches, resolveStrategy, type Strategy } from './batches';
import type { Instance } from './config/instances';
import type { BatchedStrategyConfig, CanaryStrategyConfig, StrategyConfig } from './config/schema';
import { PermanentError } from './errors';

/** The EC2 tag that marks canary hosts on AWS (with the fleet's own tags): `tarmac-canary=true`. */
export const CANARY_TAG = { key: 'tarmac-canary', value: 'true' } as const;

/** The canary part of a plan: which hosts go first and how long they bake. */
export interface Canary {
  /** The first batch of the plan (AWS: one tag selector, the instances CodeDeploy's canary group targets). */
  readonly hosts: readonly string[];
  /** Seconds ValidateService keeps checking health on the canary hosts after they first answer 200. */
  readonly bakeSeconds: number;
  /** CloudWatch alarms (AWS) that stop and roll back the deployment while it runs, bake included. */
  readonly alarms: readonly string[];
  /** The deployment group the canary hosts are deployed through: its ValidateService bakes. */
  readonly group: string;
}

/**
 * Name of an environment's canary deployment group, `<app>-<env>.canary`: CodeDeploy's (the CDK stack makes
 * it) and the local deployer's `DEPLOYMENT_GROUP_NAME` for the canary batch. Environment names hold no dot,
 * so it never equals another environment's group.
 */
export const canaryGroupName = (app: string, env: string) => `${app}-${env}${CANARY_SUFFIX}`;

const CANARY_SUFFIX = '.canary';
/** True for the name of a canary deployment group (see {@link canaryGroupName}). */
export const isCanaryGroup = (group: string) => group.endsWith(CANARY_SUFFIX);

/** The canary settings of a strategy, or undefined for a batched one. */
export function canaryOf(strategy: StrategyConfig): CanaryStrategyConfig | undefined {
  return typeof strategy !== 'string' && strategy.type === 'canary' ? strategy : undefined;
}

/** How hosts are batched: the strategy itself, or a canary's `rest`. */
export function batchedOf(strategy: StrategyConfig): BatchedStrategyConfig {
  const canary = canaryOf(strategy);
  return canary ? canary.rest : (strategy as BatchedStrategyConfig);
}

/** A canary needs hosts left after it: otherwise it is just a deploy to every host with a pause. */
export class CanaryTooLargeError extends PermanentError {
  constructor(fleet: string, canaryHosts: number, reachable: number) {
    super(
      `strategy canary deploys ${canaryHosts} host(s) first and then the rest, but fleet ${fleet} has only ${reachable} reachable host(s) — add hosts to fleets.${fleet}.hosts, lower strategy.hosts, or use a batched strategy (one-at-a-time, half, all) for it`,
      { fleet, canaryHosts, reachable },
    );
    this.name = 'CanaryTooLargeError';
  }
}

/** True when hosts are EC2 tag selectors (`ec2:key=value`): AWS mode, where CodeDeploy picks the instances. */
export const tagSelected = (hosts: readonly string[]) => hosts.length > 0 && hosts.every((h) => h.startsWith('ec2:'));

/**
 * The canary's hosts first (the first reachable ones, in the configured order), then the others batched by
 * the `rest` strategy, resolved against the whole fleet: the canary, healthy after its bake, counts towards
 * the hosts kept healthy. On AWS the canary is the fleet's instances that also carry {@link CANARY_TAG}, and
 * the rest is the environment's own deployment group, every instance of the fleet (the canary's again).
 */
export function planCanary(
  instance: Instance,
  hosts: readonly string[],
  config: CanaryStrategyConfig,
  unreachable: readonly string[],
): { strategy: Strategy; batches: string[][]; skipped?: string[]; canary: Canary } {
  const strategy = resolveStrategy(config.rest, hosts.length);
  const base = { bakeSeconds: config.bake, alarms: config.alarms, group: canaryGroupName(instance.app, instance.env) };
  if (tagSelected(hosts)) {
    const selector = `ec2:${[...hosts.map((h) => h.slice('ec2:'.length)), `${CANARY_TAG.key}=${CANARY_TAG.value}`].join(',')}`;
    return { strategy, batches: [[selector], [...hosts]], canary: { ...base, hosts: [selector] } };
  }
  const up = hosts.filter((h) => !unreachable.includes(h));
  const canaryHosts = up.slice(0, config.hosts);
  const rest = hosts.filter((h) => !canaryHosts.includes(h));
  if (up.length <= config.hosts) throw new CanaryTooLargeError(instance.fleet, config.hosts, up.length);
  const after = reachableBatches(instance.fleet, rest, strategy, unreachable, hosts.length, canaryHosts.length);
  return {
    strategy,
    batches: [canaryHosts, ...after.batches],
    ...(after.skipped ? { skipped: after.skipped } : {}),
    canary: { ...base, hosts: canaryHosts },
  };
}
