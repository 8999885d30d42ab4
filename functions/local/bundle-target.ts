import { instanceSecretsSource, SHARED_MIGRATION_LOCK, sharedReleaseUrl } from '../adapters/local/local-deployer/paths';
import type { BundleTarget } from '../worker/deps';

/**
 * Local mode: the paths the local deployer fills inside each host before running the hooks (the release in
 * the directory shared by every host, the instance's secrets, the shared migration lock).
 */
export const localBundleTarget: BundleTarget = {
  releaseUrl: (release) => sharedReleaseUrl(release.sha256),
  secretsSource: (instance) => instanceSecretsSource(instance.app, instance.env),
  migrationLock: () => SHARED_MIGRATION_LOCK,
};
