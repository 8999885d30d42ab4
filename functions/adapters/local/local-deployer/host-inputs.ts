import type { LifecycleEvent } from '../../../core/deployments';
import type { BundleFacts } from './bundle-facts';
import { secretsInput } from './bundle-facts';
import type { HostDeploymentDeps, Revision } from './host-deployment';
import { writeText } from './host-files';
import { MigrationNotDoneError } from './migration-claim';
import { secretsDir } from './paths';

export type HookInput =
  | { readonly env: Readonly<Record<string, string>>; readonly stdin: { readonly input?: string } }
  | { readonly refused: string };

/**
 * What one hook gets beyond the revision's environment: BeforeInstall the instance's secrets on stdin (or, for
 * a bundle rendered before secrets went by stdin, copies in a root-only directory); ApplicationStart the
 * deployer's answer to the migration lock (`run` or `done:<host>`), after waiting for the host that migrates.
 */
export async function hookInput(
  deps: HostDeploymentDeps,
  host: string,
  revision: Revision,
  event: LifecycleEvent,
  facts: BundleFacts | undefined,
): Promise<HookInput> {
  if (event === 'BeforeInstall' && facts?.secretsKind === 'stdin') {
    const values = await deps.secrets.getAll(`${revision.app}/${revision.env}`);
    return { env: {}, stdin: { input: secretsInput(facts.secretsPath, values) } };
  }
  if (event === 'BeforeInstall' && facts?.secretsKind === 'dir') {
    await copySecrets(deps, host, revision);
    return { env: {}, stdin: {} };
  }
  if (event === 'ApplicationStart' && facts?.coordinatedMigration) {
    if (!deps.migration) return { refused: 'this bundle needs the deployer to hold its migration lock, and none does' };
    try {
      return { env: { TARMAC_MIGRATION_CLAIM: await deps.migration.acquire(host, facts.deploymentId) }, stdin: {} };
    } catch (error) {
      if (error instanceof MigrationNotDoneError) return { refused: error.message };
      throw error;
    }
  }
  return { env: {}, stdin: {} };
}

async function copySecrets(deps: HostDeploymentDeps, host: string, revision: Revision): Promise<void> {
  const dir = secretsDir(revision.group);
  await deps.hosts.exec(host, ['install', '-d', '-m', '0700', '-o', 'root', '-g', 'root', dir], { timeoutMs: 60_000 });
  const values = await deps.secrets.getAll(`${revision.app}/${revision.env}`);
  for (const [name, value] of Object.entries(values)) await writeText(deps.hosts, host, `${dir}/${name}`, value, 0o600);
}

/** Secret copies exist only for `dir` bundles; removed once the host's deployment is over. */
export async function removeSecretCopies(
  deps: HostDeploymentDeps,
  host: string,
  revision: Revision,
  facts: BundleFacts,
): Promise<void> {
  if (facts.secretsKind !== 'dir') return;
  await deps.hosts.exec(host, ['rm', '-rf', '--', secretsDir(revision.group)], { timeoutMs: 60_000 }).catch(() => {});
}
