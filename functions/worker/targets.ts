import { localBundleTargets } from '../adapters/local/local-deployer/paths';
import type { BundleTarget } from './deps';

/**
 * Local mode: the paths the local deployer fills inside each host before running the hooks (the release in
 * the directory shared by every host, the instance's secrets, the shared migration lock).
 */
export const localBundleTarget: BundleTarget = {
  releaseUrl: (release) => localBundleTargets('', '', release.sha256).releaseUrl,
  secretsSource: (instance) => localBundleTargets(instance.app, instance.env, '').secretsSource,
  migrationLock: (instance) => localBundleTargets(instance.app, instance.env, '').migrationLock,
};

/** AWS mode: hosts fetch from S3 and SSM with their instance role; the migration lock is the state table. */
export function awsBundleTarget(options: { bucket: string; table: string; region?: string }): BundleTarget {
  const region = options.region ? { region: options.region } : {};
  return {
    releaseUrl: (release) => `s3://${options.bucket}/${release.artifactKey}`,
    secretsSource: (instance) => ({ kind: 'ssm', path: `/tarmac/${instance.app}/${instance.env}/`, ...region }),
    migrationLock: () => ({ kind: 'dynamodb', table: options.table, ...region }),
  };
}
