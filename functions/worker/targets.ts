import type { BundleTarget } from './deps';

/** Paths inside local test hosts; the local deployer puts the files there before running the hooks. */
export const LOCAL_AGENT_ROOT = '/var/lib/tarmac-agent';

/** Local mode: the release and the migration lock live in the directory shared by every local host. */
export const localBundleTarget: BundleTarget = {
  releaseUrl: (release) => `file://${LOCAL_AGENT_ROOT}/shared/artifacts/${release.sha256}.tar.gz`,
  secretsSource: (instance) => ({ kind: 'dir', path: `${LOCAL_AGENT_ROOT}/secrets/${instance.id}` }),
  migrationLock: () => ({ kind: 'dir', path: `${LOCAL_AGENT_ROOT}/shared/migrations` }),
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
