import { assertCompatible, type HostPlatform } from './compat';
import type { Instance } from './config/instances';
import type { StrategyConfig } from './config/schema';
import { LIFECYCLE_EVENTS, type LifecycleEvent } from './deployments';
import { PermanentError } from './errors';
import type { Release } from './releases';

export interface Strategy {
  readonly type: 'one-at-a-time' | 'half' | 'all';
  /** Hosts that must stay healthy while a batch is deployed. */
  readonly minHealthyHosts: number;
  readonly batchSize: number;
  /** `min_healthy_hosts` as written in tarmac.yml (a count or `"50%"`), when set: names the CodeDeploy config. */
  readonly minHealthyConfigured?: number | string;
}

/** What a deployment will do, as data: printed by `tarmac plan`, compared in tests, run by a deployer. */
export interface DeploymentPlan {
  readonly deploymentId: string;
  readonly correlationId: string;
  readonly app: string;
  readonly env: string;
  readonly fleet: string;
  /** `needs` (what the release needs from a host) reaches BeforeInstall's platform check through the bundle. */
  readonly release: Pick<Release, 'id' | 'version' | 'sha256' | 'artifactKey' | 'needs'>;
  /** Release currently serving (the rollback target), if any. */
  readonly previousReleaseId?: string | undefined;
  readonly strategy: Strategy;
  readonly batches: readonly (readonly string[])[];
  /** Hosts of the fleet left out because they were unreachable when the deployment was planned. */
  readonly skipped?: readonly string[];
  readonly steps: readonly LifecycleEvent[];
  /** Environment every hook of this deployment gets, beyond the deployer's own (LIFECYCLE_EVENT, …). */
  readonly hookEnv: Readonly<Record<string, string>>;
}

export class NoHostsError extends PermanentError {
  constructor(fleet: string) {
    super(
      `fleet ${fleet} has no hosts — add host names under fleets.${fleet}.hosts (or boot some: tarmac hosts up 2)`,
      {
        fleet,
      },
    );
    this.name = 'NoHostsError';
  }
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

/** Resolve a configured strategy against the number of hosts. */
export function resolveStrategy(config: StrategyConfig, hostCount: number): Strategy {
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

export interface PlanInput {
  readonly instance: Instance;
  readonly hosts: readonly string[];
  readonly release: DeploymentPlan['release'];
  readonly previousReleaseId?: string | undefined;
  readonly deploymentId: string;
  readonly correlationId: string;
  /** Hosts of the fleet known to be down now (local: PID 1 gone); skipped, or the plan is refused. */
  readonly unreachable?: readonly string[];
  /** What each host offers (reported by it, or declared for its fleet): a host that cannot run the release refuses the plan. */
  readonly platforms?: Readonly<Record<string, HostPlatform | undefined>>;
}

/**
 * Batches over the reachable hosts. Unreachable hosts count as unhealthy, as CodeDeploy counts them against
 * the minimum healthy hosts: they are skipped when the others can still be deployed batch by batch with the
 * minimum kept healthy, else the deployment is refused.
 */
function reachableBatches(fleet: string, hosts: readonly string[], strategy: Strategy, unreachable: readonly string[]) {
  const down = hosts.filter((h) => unreachable.includes(h));
  if (down.length === 0) return { batches: batches(hosts, strategy.batchSize) };
  const up = hosts.filter((h) => !down.includes(h));
  const room = up.length - strategy.minHealthyHosts;
  if (room < 1) throw new HostsUnreachableError(fleet, down, strategy, hosts.length);
  return { batches: batches(up, Math.min(strategy.batchSize, room)), skipped: down };
}

export function planDeployment(input: PlanInput): DeploymentPlan {
  const { instance, hosts } = input;
  if (hosts.length === 0) throw new NoHostsError(instance.fleet);
  const strategy = resolveStrategy(instance.appConfig.strategy, hosts.length);
  const reachable = reachableBatches(instance.fleet, hosts, strategy, input.unreachable ?? []);
  const platforms = input.platforms ?? {};
  const targets = reachable.batches.flat();
  assertCompatible(
    `${instance.app} ${input.release.version}`,
    input.release.needs,
    Object.fromEntries(targets.map((host) => [host, platforms[host]])),
  );
  return {
    deploymentId: input.deploymentId,
    correlationId: input.correlationId,
    app: instance.app,
    env: instance.env,
    fleet: instance.fleet,
    release: input.release,
    previousReleaseId: input.previousReleaseId,
    strategy,
    ...reachable,
    steps: LIFECYCLE_EVENTS,
    hookEnv: {
      TARMAC_APP: instance.app,
      TARMAC_ENV: instance.env,
      TARMAC_DEPLOYMENT_ID: input.deploymentId,
      TARMAC_CORRELATION_ID: input.correlationId,
      TARMAC_RELEASE_ID: input.release.id,
      TARMAC_RELEASE_SHA256: input.release.sha256,
    },
  };
}
