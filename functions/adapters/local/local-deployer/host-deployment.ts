import type { HookResult, LifecycleEvent } from '../../../core/deployments';
import { HostCommandFailedError } from '../../../hosts/errors';
import type { Hosts } from '../../../hosts/manager';
import type { Logger } from '../../../log';
import type { SecretStore } from '../../../ports';
import { type HookScript, parseAppspec } from './appspec';
import { type BundleFacts, bundleFacts } from './bundle-facts';
import { runHook } from './hook-runner';
import { type PathCapableStore, readOptional, readText, uploadArtifact, writeText } from './host-files';
import { hookInput, removeSecretCopies } from './host-inputs';
import type { MigrationClaim } from './migration-claim';
import { archiveDir, lastSuccessfulFile, revisionDir } from './paths';

/** One revision run by the local deployer: a bundle and the environment its hooks get. */
export interface Revision {
  readonly deploymentId: string;
  readonly app: string;
  readonly env: string;
  readonly group: string;
  readonly bundleKey: string;
  /** Checked on the host after the upload; computed from the artifact when unknown. */
  readonly bundleSha256?: string;
  /** Everything hooks see besides LIFECYCLE_EVENT: the agent's variables and the plan's hookEnv. */
  readonly hookEnv: Readonly<Record<string, string>>;
}

export interface HostDeploymentDeps {
  readonly hosts: Hosts;
  readonly artifacts: PathCapableStore;
  readonly secrets: SecretStore;
  readonly logger: Logger;
  /** Put the release the bundle points at (`tarmac/release.json`) where this host's AfterInstall fetches it. */
  readonly provideRelease: (host: string, releaseJson: string) => Promise<void>;
  readonly report: (host: string, event: LifecycleEvent, status: HookResult['status'], tail?: string) => Promise<void>;
  /** Why the run was aborted (`tarmac abort`), once it was: no further hook starts. */
  readonly aborted?: () => string | undefined;
  /** The deployment's fleet-wide migration lock, for bundles whose lock the deployer holds (kind `tarmac`). */
  readonly migration?: MigrationClaim;
}

export interface HostOutcome {
  readonly ok: boolean;
  /** Any hook of this revision ran on the host (it may have stopped or switched the app). */
  readonly touched: boolean;
  readonly failedEvent?: LifecycleEvent;
  readonly tail?: string;
}

const EVENTS: readonly LifecycleEvent[] = ['BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'];

/**
 * Deploy a revision on one host with the CodeDeploy agent's semantics: the bundle uploaded and unpacked under
 * the deployment root, ApplicationStop from the last successful revision (none on a first deployment), then
 * BeforeInstall → AfterInstall, record the revision as last successful, ApplicationStart → ValidateService.
 * The instance's secrets reach BeforeInstall on its stdin (older bundles: a root-only directory, removed after).
 */
export async function deployHost(deps: HostDeploymentDeps, host: string, revision: Revision): Promise<HostOutcome> {
  if (deps.aborted?.()) return { ok: false, touched: false, tail: 'aborted before it started here' };
  // A resumed deployment (its worker died) leaves alone a host it had already finished: not stopped again.
  if (await finishedHere(deps, host, revision)) {
    deps.logger.info({ host, deploymentId: revision.deploymentId }, 'host already runs this deployment: skipped');
    return { ok: true, touched: true };
  }
  const archive = archiveDir(revision.group, revision.deploymentId);
  await unpackBundle(deps, host, revision);
  const appspec = parseAppspec(await readText(deps.hosts, host, `${archive}/appspec.yml`));
  const facts = bundleFacts(await readText(deps.hosts, host, `${archive}/tarmac/instance.env`));
  await deps.provideRelease(host, await readText(deps.hosts, host, `${archive}/tarmac/release.json`));
  try {
    const stop = await applicationStop(deps, host, revision);
    if (!stop.ok) return { ...stop, touched: true };
    for (const event of EVENTS) {
      const outcome = await step(deps, host, revision, event, archive, appspec[event] ?? [], facts);
      if (!outcome.ok) return { ok: false, touched: true, failedEvent: event, tail: outcome.tail };
      if (event === 'ValidateService') await writeText(deps.hosts, host, validatedFile(revision), 'ok\n', 0o644);
      // Like the agent: the revision counts as last successful as soon as Install succeeded.
      if (event === 'AfterInstall') {
        await writeText(deps.hosts, host, lastSuccessfulFile(revision.group), `${revision.deploymentId}\n`, 0o644);
      }
    }
    return { ok: true, touched: true };
  } finally {
    await removeSecretCopies(deps, host, revision, facts);
  }
}

const validatedFile = (revision: Revision) => `${revisionDir(revision.group, revision.deploymentId)}/validated`;

/** This revision passed ValidateService here, is still the last installed one, and its unit runs. */
async function finishedHere(deps: HostDeploymentDeps, host: string, revision: Revision): Promise<boolean> {
  if ((await readOptional(deps.hosts, host, validatedFile(revision))) === undefined) return false;
  const last = (await readOptional(deps.hosts, host, lastSuccessfulFile(revision.group)))?.trim();
  if (last !== revision.deploymentId) return false;
  // One unit, or (slots) either slot's: `is-active` succeeds when any of them is active.
  const id = `${revision.app}-${revision.env}`;
  const units = [`tarmac-${id}.service`, `tarmac-${id}@blue.service`, `tarmac-${id}@green.service`];
  return (
    (await deps.hosts.exec(host, ['systemctl', 'is-active', '--quiet', ...units], { timeoutMs: 15_000 })).code === 0
  );
}

/** Upload the bundle (once: checked by sha256 on the host) and extract it as the agent does. */
async function unpackBundle(deps: HostDeploymentDeps, host: string, revision: Revision): Promise<void> {
  const dir = revisionDir(revision.group, revision.deploymentId);
  const archive = archiveDir(revision.group, revision.deploymentId);
  await must(deps, host, ['install', '-d', '-m', '0700', archive]);
  await uploadArtifact(
    deps.hosts,
    host,
    deps.artifacts,
    revision.bundleKey,
    `${dir}/bundle.tgz`,
    revision.bundleSha256,
  );
  // The agent extracts bundles with `tar -zxpsf`.
  await must(deps, host, ['tar', '-zxpsf', `${dir}/bundle.tgz`, '-C', archive]);
}

async function applicationStop(deps: HostDeploymentDeps, host: string, revision: Revision) {
  const last = (await readOptional(deps.hosts, host, lastSuccessfulFile(revision.group)))?.trim();
  const archive = last ? archiveDir(revision.group, last) : undefined;
  const appspecText = archive ? await readOptional(deps.hosts, host, `${archive}/appspec.yml`) : undefined;
  if (!archive || appspecText === undefined) {
    await deps.report(host, 'ApplicationStop', 'skipped');
    return { ok: true as const };
  }
  const scripts = parseAppspec(appspecText).ApplicationStop ?? [];
  const outcome = await step(deps, host, revision, 'ApplicationStop', archive, scripts);
  return outcome.ok
    ? { ok: true as const }
    : { ok: false as const, failedEvent: 'ApplicationStop' as const, tail: outcome.tail };
}

async function step(
  deps: HostDeploymentDeps,
  host: string,
  revision: Revision,
  event: LifecycleEvent,
  archive: string,
  scripts: readonly HookScript[],
  facts?: BundleFacts,
) {
  if (deps.aborted?.()) return { ok: false, tail: `aborted before ${event}` };
  if (scripts.length === 0) {
    await deps.report(host, event, 'skipped');
    return { ok: true, tail: '' };
  }
  await deps.report(host, event, 'in_progress');
  const prepared = await hookInput(deps, host, revision, event, facts);
  if ('refused' in prepared) {
    await deps.report(host, event, 'failed', prepared.refused);
    return { ok: false, tail: prepared.refused };
  }
  const env = { ...revision.hookEnv, ...prepared.env };
  const outcome = await runHook(deps.hosts, host, { event, archive, scripts, env, ...prepared.stdin }).catch(
    (error: unknown) => ({ ok: false, tail: error instanceof Error ? error.message : String(error) }),
  );
  if (prepared.env.TARMAC_MIGRATION_CLAIM === 'run') await deps.migration?.release(host, outcome.ok);
  deps.logger.info({ host, event, ok: outcome.ok, deploymentId: revision.deploymentId }, 'hook finished');
  await deps.report(host, event, outcome.ok ? 'succeeded' : 'failed', outcome.tail);
  return outcome;
}

async function must(deps: HostDeploymentDeps, host: string, argv: string[]): Promise<void> {
  const result = await deps.hosts.exec(host, argv, { timeoutMs: 120_000 });
  if (result.code !== 0) throw new HostCommandFailedError(host, argv, result.code, result.stderr);
}
