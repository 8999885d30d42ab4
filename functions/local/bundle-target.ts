import {
  DEPLOYER_MIGRATION_LOCK,
  instanceSecretsSource,
  releaseUrlOnHost,
} from '../adapters/local/local-deployer/paths';
import type { BundleTarget } from '../worker/deps';

/**
 * Local mode (local test hosts and SSH servers): the release the deployer uploads to each host, the secrets
 * it writes to BeforeInstall's stdin, and the migration lock it holds itself.
 */
export const localBundleTarget: BundleTarget = {
  releaseUrl: (release) => releaseUrlOnHost(release.sha256),
  secretsSource: (instance) => instanceSecretsSource(instance.app, instance.env),
  migrationLock: () => DEPLOYER_MIGRATION_LOCK,
};
