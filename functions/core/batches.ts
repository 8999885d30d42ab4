import type { BatchedStrategyConfig } from './config/schema';
import { PermanentError } from './errors';

export interface Strategy {
  readonly type: 'one-at-a-time' | 'half' | 'all';
  /** Hosts that must stay healthy while a batch is deployed. */
  readonly minHealthyHosts: number;
  readonly batchSize: number;
  /** `min_healthy_hosts` as written in tarmac.yml (a count or `"50%"`), when set: names the CodeDeploy config. */
  readonly minHealthyConfigured?: number | string;
}

/** Too few reachable hosts to deploy while keeping the strategy's minimum healthy: the deployment is refused. */
export class HostsUnreachableError extends PermanentError {
  constructor(fleet: string, unreachable: readonly string[], strategy: Strategy, hostCount: number) {
    const reachable = hostCount - unreachable.length;
    super(
      `${unreachable.join(', ')} unreachable: strategy ${strategy.type} keeps ${strategy.minHealthyHosts} of ${hostCount} host(s) healthy while a batch deploys, and only ${reachable} reachable — refused. Start ${unreachable.length > 1 ? 'them' : 'it'} again (local: tarmac hosts up ${hostCount}) or remove ${unreachable.length > 1 ? 'them' : 'it'} from fleets.${fleet}.hosts`,
      { fleet, unreachable, strategy: strategy.type, minHealthyHosts: strategy.minHealthyHosts, reachable },
    );
    this.name = 'HostsUnreachableError';
  }
}

/**
 * The hosts a strategy keeps healthy when tarmac.yml sets no `min_healthy_hosts` (CodeDeploy's defaults:
 * OneAtATime all but one, HalfAtATime half rounded up, AllAtOnce none). The one source for the local plan and
 * the CodeDeploy config name.
 */
export function defaultMinHealthyHosts(type: Strategy['type'], hostCount: number): number {
  return { 'one-at-a-time': Math.max(0, hostCount - 1), half: Math.ceil(hostCount / 2), all: 0 }[type];
}

/** Resolve a configured batched strategy against the number of hosts. */
export function resolveStrategy(config: BatchedStrategyConfig, hostCount: number): Strategy {
  const type = typeof config === 'string' ? config : config.type;
  const defaultMin = defaultMinHealthyHosts(type, hostCount);
  const configured = typeof config === 'string' ? undefined : config.min_healthy_hosts;
  const minHealthyHosts =
    configured === undefined
      ? defaultMin
      : typeof configured === 'number'
        ? configured
        : Math.ceil((hostCount * Number.parseInt(configured, 10)) / 100);
  const batchSize = Math.max(1, hostCount - Math.max(0, minHealthyHosts));
  return {
    type,
    minHealthyHosts: Math.max(0, Math.min(minHealthyHosts, hostCount)),
    batchSize,
    ...(configured === undefined ? {} : { minHealthyConfigured: configured }),
  };
}

/** Split hosts into batches of the strategy's size, keeping the configured order. */
export function batches(hosts: readonly string[], batchSize: number): string[][] {
  const result: string[][] = [];
  for (let i = 0; i < hosts.length; i += batchSize) result.push(hosts.slice(i, i + batchSize));
  return result;
}

/**
 * Batches over the reachable hosts. Unreachable hosts count as unhealthy, as CodeDeploy counts them against
 * the minimum healthy hosts: they are skipped when the others can still be deployed batch by batch with the
 * minimum kept healthy, else the deployment is refused. `healthy` is how many hosts serve while these are
 * deployed beyond those in `hosts` (a canary that passed its bake).
 */
export function reachableBatches(
  fleet: string,
  hosts: readonly string[],
  strategy: Strategy,
  unreachable: readonly string[],
  fleetSize = hosts.length,
  healthy = 0,
) {
  const down = hosts.filter((h) => unreachable.includes(h));
  if (down.length === 0) return { batches: batches(hosts, strategy.batchSize) };
  const up = hosts.filter((h) => !down.includes(h));
  const room = up.length + healthy - strategy.minHealthyHosts;
  if (room < 1 || up.length === 0) throw new HostsUnreachableError(fleet, down, strategy, fleetSize);
  return { batches: batches(up, Math.min(strategy.batchSize, room)), skipped: down };
}
