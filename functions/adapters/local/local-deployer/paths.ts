import { SHARED_MOUNT } from '../../../hosts/boot';

/** Where the local deployer keeps each deployment group's revisions inside a host, like the CodeDeploy agent. */
export const DEPLOYMENT_ROOT = '/var/lib/tarmac-agent/deployment-root';
/** Root-only directory inside a host holding an instance's secrets during one deployment. */
export const SECRETS_ROOT = '/var/lib/tarmac-agent/secrets';

/** The CodeDeploy-style deployment group of an instance: one per environment. */
export const deploymentGroup = (app: string, env: string) => `${app}-${env}`;

export const groupDir = (group: string) => `${DEPLOYMENT_ROOT}/${group}`;
export const revisionDir = (group: string, deploymentId: string) => `${groupDir(group)}/${deploymentId}`;
export const archiveDir = (group: string, deploymentId: string) =>
  `${revisionDir(group, deploymentId)}/deployment-archive`;
/** Deployment id whose Install step last succeeded on this host (the agent's "last successful revision"). */
export const lastSuccessfulFile = (group: string) => `${groupDir(group)}/last-successful-install`;
/** The last revision that succeeded on every host: the automatic rollback target. */
export const lastGoodFile = (group: string) => `${groupDir(group)}/last-good.json`;
export const secretsDir = (group: string) => `${SECRETS_ROOT}/${group}`;

/** The release tarball as every host sees it: in the shared directory, where the deployer copies it. */
export const sharedReleaseUrl = (releaseSha256: string) => `file://${SHARED_MOUNT}/releases/${releaseSha256}.tar.gz`;

/** The secrets directory the deployer fills inside each host for one deployment of an instance. */
export const instanceSecretsSource = (app: string, env: string) =>
  ({ kind: 'dir', path: secretsDir(deploymentGroup(app, env)) }) as const;

/** The migration lock directory shared by every host; lock.sh keys each lock by app, environment and deployment. */
export const SHARED_MIGRATION_LOCK = { kind: 'dir', path: `${SHARED_MOUNT}/locks` } as const;

/**
 * What a bundle rendered for the local deployer must point at: the release tarball in the shared directory
 * (the deployer copies it there), the secrets directory it fills for the deployment, and the shared
 * migration lock directory (`<dir>/<app>/<env>/<deployment id>`, see templates/lock.sh).
 *
 * @example
 * renderBundle({ instance, plan, ...localBundleTargets(plan.app, plan.env, plan.release.sha256) })
 */
export function localBundleTargets(app: string, env: string, releaseSha256: string) {
  return {
    releaseUrl: sharedReleaseUrl(releaseSha256),
    secretsSource: instanceSecretsSource(app, env),
    migrationLock: SHARED_MIGRATION_LOCK,
  } as const;
}
