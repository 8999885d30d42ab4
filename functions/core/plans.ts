import { reachableBatches, resolveStrategy, type Strategy } from './batches';
import { batchedOf, type Canary, canaryOf, planCanary } from './canary';
import { assertCompatible, type HostPlatform } from './compat';
import type { Instance } from './config/instances';
import { LIFECYCLE_EVENTS, type LifecycleEvent } from './deployments';
import { PermanentError } from './errors';

export {
  batches,
  defaultMinHealthyHosts,
  HostsUnreachableError,
  reachableBatches,
  resolveStrategy,
  type Strategy,
} from './batches';

import type { Release } from './releases';

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
  /** How the hosts are batched; with a canary, how the hosts after it are. */
  readonly strategy: Strategy;
  /** With a canary, the first batch is the canary's hosts. */
  readonly batches: readonly (readonly string[])[];
  /** A canary strategy: its hosts go first (batch 1), bake, then the other batches. */
  readonly canary?: Canary;
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
 * Hosts in deployment order: a fleet host holding the instance's database goes first, since its BeforeInstall
 * provisions the database that the other hosts' BeforeInstall wait for.
 */
function ordered(instance: Instance, hosts: readonly string[]): readonly string[] {
  const db = instance.database;
  if (db?.kind !== 'server' || !hosts.includes(db.server)) return hosts;
  return [db.server, ...hosts.filter((h) => h !== db.server)];
}

export function planDeployment(input: PlanInput): DeploymentPlan {
  const { instance } = input;
  const hosts = ordered(instance, input.hosts);
  if (hosts.length === 0) throw new NoHostsError(instance.fleet);
  const unreachable = input.unreachable ?? [];
  const canary = canaryOf(instance.appConfig.strategy);
  const strategy = resolveStrategy(batchedOf(instance.appConfig.strategy), hosts.length);
  const rollout = canary
    ? planCanary(instance, hosts, canary, unreachable)
    : { strategy, ...reachableBatches(instance.fleet, hosts, strategy, unreachable) };
  const platforms = input.platforms ?? {};
  assertCompatible(
    `${instance.app} ${input.release.version}`,
    input.release.needs,
    Object.fromEntries(rollout.batches.flat().map((host) => [host, platforms[host]])),
  );
  return {
    deploymentId: input.deploymentId,
    correlationId: input.correlationId,
    app: instance.app,
    env: instance.env,
    fleet: instance.fleet,
    release: input.release,
    previousReleaseId: input.previousReleaseId,
    ...rollout,
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
