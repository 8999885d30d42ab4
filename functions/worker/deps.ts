import type { MigrationLock, SecretsSource } from '../bundle/types';
import type { HostPlatform, ReleaseNeeds } from '../core/compat';
import type { Instance } from '../core/config/instances';
import type { TarmacConfig } from '../core/config/schema';
import type { DeploymentPlan } from '../core/plans';
import type { Release } from '../core/releases';
import type { Logger } from '../log';
import type {
  ArtifactStore,
  ByteStream,
  Clock,
  Deployer,
  FleetCommands,
  Ids,
  JobQueue,
  Notifier,
  SecretStore,
  StateStore,
} from '../ports';

/** Where hosts find what a bundle refers to; differs by mode (S3/SSM/DynamoDB on AWS; locally what the deployer uploads, pipes and coordinates). */
export interface BundleTarget {
  releaseUrl(release: Pick<Release, 'sha256' | 'artifactKey'>): string;
  secretsSource(instance: Instance): SecretsSource;
  migrationLock(instance: Instance): MigrationLock;
}

/** Result of validating a release tarball (functions/release/check.ts). */
export type CheckResult =
  | { ok: true; sha256: string; size: number; releaseName?: string; version?: string; needs?: ReleaseNeeds }
  | { ok: false; entry?: string; reason: string };

/** Everything the worker needs, injected by a composition root (functions/local/runtime.ts or handlers/worker.ts). */
export interface WorkerDeps {
  readonly config: TarmacConfig;
  readonly state: StateStore;
  readonly artifacts: ArtifactStore;
  readonly secrets: SecretStore;
  readonly queue: JobQueue;
  readonly deployer: Deployer;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly logger: Logger;
  readonly target: BundleTarget;
  /** Validate a tarball stream without extracting it. @default checkReleaseStream (worker/pack.ts) */
  readonly checkRelease?: (body: ByteStream, options: { releaseName: string }) => Promise<CheckResult>;
  /** Render and pack the bundle of a plan; returns the .tgz bytes. @default packPlanBundle (worker/pack.ts) */
  readonly packBundle?: (input: { instance: Instance; plan: DeploymentPlan; target: BundleTarget }) => ByteStream;
  /** Of these hosts, those down now (local: PID 1 gone); AWS leaves it to CodeDeploy's minimum healthy hosts. */
  readonly unreachableHosts?: (hosts: readonly string[]) => Promise<string[]>;
  /** What each host offers (local: each host reports it); AWS: omitted, the fleet may declare it in tarmac.yml. */
  readonly hostPlatforms?: (hosts: readonly string[]) => Promise<Record<string, HostPlatform | undefined>>;
  /** Runs a command on a fleet's hosts (maintenance); local: the hosts' exec, AWS: SSM Run Command. */
  readonly fleetCommands?: FleetCommands;
}
