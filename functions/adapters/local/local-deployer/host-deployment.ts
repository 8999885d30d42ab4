import type { HookResult, LifecycleEvent } from '../../../core/deployments';
import type { Hosts } from '../../../hosts/manager';
import type { Logger } from '../../../log';
import type { SecretStore } from '../../../ports';
import { type HookScript, parseAppspec } from './appspec';
import { type BundleFacts, bundleFacts } from './bundle-facts';
import { runHook } from './hook-runner';
import { type PathCapableStore, writeText } from './host-files';
import { hookInput, removeSecretCopies } from './host-inputs';
import { prepareHost } from './host-prepare';
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
  /**
   * Put the release the bundle points at (`tarmac/release.json`) where this host's AfterInstall fetches it;
   * `present`: the host already holds the plan's release where the deployer puts releases.
   */
  readonly provideRelease: (host: string, releaseJson: string, present?: boolean) => Promise<void>;
  /** The release the plan deploys: the host says while preparing whether it already holds it. */
  readonly releaseSha256?: string;
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
 * the deployment root (one host command, {@link prepareHost}), ApplicationStop from the last successful
 * revision (none on a first deployment), then BeforeInstall → AfterInstall, record the revision as last
 * successful, ApplicationStart → ValidateService. The instance's secrets reach BeforeInstall on its stdin
 * (older bundles: a root-only directory, removed after).
 */
export async function deployHost(deps: HostDeploymentDeps, host: string, revision: Revision): Promise<HostOutcome> {
  if (deps.aborted?.()) return { ok: false, touched: false, tail: 'aborted before it started here' };
  const prepared = await prepareHost(deps.hosts, host, deps.artifacts, {
    group: revision.group,
    deploymentId: revision.deploymentId,
    bundleKey: revision.bundleKey,
    ...(revision.bundleSha256 ? { bundleSha256: revision.bundleSha256 } : {}),
    ...(deps.releaseSha256 ? { releaseSha256: deps.releaseSha256 } : {}),
    units: instanceUnits(revision),
  });
  // A resumed deployment (its worker died) leaves alone a host it had already finished: not stopped again.
  if (prepared.finished) {
    deps.logger.info({ host, deploymentId: revision.deploymentId }, 'host already runs this deployment: skipped');
    return { ok: true, touched: true };
  }
  const archive = archiveDir(revision.group, revision.deploymentId);
  const appspec = parseAppspec(prepared.appspec);
  const facts = bundleFacts(prepared.instanceEnv);
  await deps.provideRelease(host, prepared.releaseJson, prepared.releasePresent);
  try {
    const stop = await applicationStop(deps, host, revision, prepared.previous);
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

/** The instance's one unit, or (slots) either slot's: `is-active` succeeds when any of them is active. */
function instanceUnits(revision: Revision): string[] {
  const id = `${revision.app}-${revision.env}`;
  return [`tarmac-${id}.service`, `tarmac-${id}@blue.service`, `tarmac-${id}@green.service`];
}

/** ApplicationStop from the last successful revision (none on a first deployment, or when its archive is gone). */
async function applicationStop(
  deps: HostDeploymentDeps,
  host: string,
  revision: Revision,
  previous: { deploymentId: string; appspec: string } | undefined,
) {
  if (!previous) {
    await deps.report(host, 'ApplicationStop', 'skipped');
    return { ok: true as const };
  }
  const scripts = parseAppspec(previous.appspec).ApplicationStop ?? [];
  const archive = archiveDir(revision.group, previous.deploymentId);
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
