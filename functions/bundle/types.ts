import type { Instance } from '../core/config/instances';
import type { DeploymentPlan } from '../core/plans';
import type { ReleaseLimits } from '../release/limits';

/** One file of a deployment bundle, path relative to the bundle root. */
export interface BundleFile {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

export type SecretsSource = { kind: 'ssm'; path: string; region?: string } | { kind: 'dir'; path: string };
export type MigrationLock = { kind: 'dynamodb'; table: string; region?: string } | { kind: 'dir'; path: string };

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
