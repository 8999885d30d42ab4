import type { BundleTarget } from '../worker/deps';

/** AWS mode: hosts fetch from S3 and SSM with their instance role; the migration lock is the state table. */
export function awsBundleTarget(options: { bucket: string; table: string; region?: string | undefined }): BundleTarget {
  const region = options.region ? { region: options.region } : {};
  return {
    releaseUrl: (release) => `s3://${options.bucket}/${release.artifactKey}`,
    secretsSource: (instance) => ({ kind: 'ssm', path: `/tarmac/${instance.app}/${instance.env}/`, ...region }),
    migrationLock: () => ({ kind: 'dynamodb', table: options.table, ...region }),
  };
}
