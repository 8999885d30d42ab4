/** Where the local deployer keeps each deployment group's revisions inside a host, like the CodeDeploy agent. */
export const DEPLOYMENT_ROOT = '/var/lib/tarmac-agent/deployment-root';
/** Root-only directory inside a host holding an instance's secrets during one deployment. */
export const SECRETS_ROOT = '/var/lib/tarmac-agent/secrets';
/** Release tarballs uploaded to a host, by sha256 (each reaches a host once, checked there). */
export const RELEASES_ROOT = '/var/lib/tarmac-agent/releases';
/** Each host's own record of the migrations it ran (`<app>/<env>/<deployment>/status`, see lock.sh). */
export const MIGRATIONS_ROOT = '/var/lib/tarmac-agent/migrations';

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
export const releaseFile = (sha256: string) => `${RELEASES_ROOT}/${sha256}.tar.gz`;
/** The status file lock.sh writes for a claim in `<dir>/<app>/<env>/<deployment>`. */
export const migrationStatusFile = (app: string, env: string, deploymentId: string) =>
  `${MIGRATIONS_ROOT}/${app}/${env}/${deploymentId}/status`;

/** The release tarball as a host's AfterInstall finds it: where the deployer uploads it (checked by sha256). */
export const releaseUrlOnHost = (releaseSha256: string) => `file://${releaseFile(releaseSha256)}`;

/** Secrets reach BeforeInstall on its stdin, as SSM's JSON under this instance's path (see ssm-secrets.py). */
export const instanceSecretsSource = (app: string, env: string) =>
  ({ kind: 'stdin', path: `/tarmac/${app}/${env}/` }) as const;

/** The deployer holds the fleet-wide migration lock; each host records its own claim in this directory. */
export const DEPLOYER_MIGRATION_LOCK = { kind: 'tarmac', path: MIGRATIONS_ROOT } as const;

/**
 * What a bundle rendered for the local deployer must point at, for local test hosts and SSH servers alike:
 * the release tarball the deployer uploads to each host (checked by sha256 there), the secrets it writes to
 * BeforeInstall's stdin, and the migration lock it coordinates itself (no directory is shared by the hosts).
 *
 * @example
 * renderBundle({ instance, plan, ...localBundleTargets(plan.app, plan.env, plan.release.sha256) })
 */
export function localBundleTargets(app: string, env: string, releaseSha256: string) {
  return {
    releaseUrl: releaseUrlOnHost(releaseSha256),
    secretsSource: instanceSecretsSource(app, env),
    migrationLock: DEPLOYER_MIGRATION_LOCK,
  } as const;
}
