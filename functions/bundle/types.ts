import type { Instance } from '../core/config/instances';
import type { DeploymentPlan } from '../core/plans';
import type { ReleaseLimits } from '../release/limits';

/** One file of a deployment bundle, path relative to the bundle root. */
export interface BundleFile {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

/**
 * Where BeforeInstall reads the instance's secrets: SSM (AWS), a root-only directory, or its own stdin, as
 * the JSON of `aws ssm get-parameters-by-path` under `path` (the local deployer, over nsenter or SSH: the
 * values travel in the channel and are written nowhere but the credentials directory).
 */
export type SecretsSource =
  | { kind: 'ssm'; path: string; region?: string }
  | { kind: 'dir'; path: string }
  | { kind: 'stdin'; path: string };
/**
 * How ApplicationStart migrates once per deployment: a directory every host shares, a DynamoDB conditional
 * write, or `tarmac` — the deployer chooses the one host that migrates (TARMAC_MIGRATION_CLAIM) and the
 * others wait for its result; that host records the claim in its own directory `path`.
 */
export type MigrationLock =
  | { kind: 'dynamodb'; table: string; region?: string }
  | { kind: 'dir'; path: string }
  | { kind: 'tarmac'; path: string };

export interface RenderInput {
  readonly instance: Instance;
  /** Release id/sha256/version, deploymentId, correlationId, previousReleaseId. */
  readonly plan: DeploymentPlan;
  /** Where AfterInstall fetches the release tarball: `s3://bucket/key` (aws s3 cp) or `file:///abs/path/on/host` (cp). */
  readonly releaseUrl: string;
  /** Where BeforeInstall reads the instance's secrets. */
  readonly secretsSource: SecretsSource;
  /** How ApplicationStart runs migrations exactly once per deployment across the fleet. */
  readonly migrationLock: MigrationLock;
  /** Bounds the host-side validator enforces before extracting. @default DEFAULT_RELEASE_LIMITS */
  readonly limits?: Partial<ReleaseLimits>;
}
