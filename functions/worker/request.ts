import { formatAge } from '../core/clock';
import { instanceOf } from '../core/config';
import { type Deployment, isFinished, type Trigger, transition } from '../core/deployments';
import type { Release } from '../core/releases';
import { createDeployment, getCurrent, getDeployment, updateDeployment } from '../state/deployments';
import { inspectFleet } from '../state/fleet-health';
import { acquireFleet, putPending } from '../state/fleets';
import type { JobResult } from '../state/jobs';
import { getLock } from '../state/locks';
import type { WorkerDeps } from './deps';
import { startDeployment } from './start';
import { tell } from './tell';

export interface DeployRequestInput {
  readonly app: string;
  readonly env: string;
  readonly release: Release;
  readonly trigger: Trigger;
  readonly requestedBy: string;
  readonly correlationId: string;
  /** Chosen once per job (see runOnce), so a retried job finds the deployment it already created. */
  readonly deploymentId: string;
  readonly replyTo?: { slackResponseUrl?: string | undefined } | undefined;
}

/**
 * A deploy request: refused while the environment is locked; otherwise recorded as a deployment that starts
 * now if its fleet is free, or waits as pending (superseding an older pending deploy of the same environment)
 * and starts when the running deployment ends. Never dropped.
 */
export async function requestDeploy(deps: WorkerDeps, input: DeployRequestInput): Promise<JobResult> {
  const { app, env, release } = input;
  const now = deps.clock.now();
  const existing = await getDeployment(deps.state, input.deploymentId);
  if (existing && isFinished(existing.status)) {
    // A redelivered request whose deployment already ended: nothing to start again.
    return {
      outcome: 'done',
      message: `${app}/${env}: deployment ${existing.id} already ${existing.status}`,
      deploymentId: existing.id,
    };
  }
  if (!existing) {
    const refusal = await refuseIfLocked(deps, input);
    if (refusal) return refusal;
  }
  const instance = instanceOf(deps.config, app, env);
  const current = await getCurrent(deps.state, app, env);
  const deployment: Deployment = existing ?? {
    id: input.deploymentId,
    app,
    env,
    fleet: instance.fleet,
    releaseId: release.id,
    version: release.version,
    sha256: release.sha256,
    gitSha: release.gitSha,
    status: 'pending',
    trigger: input.trigger,
    requestedBy: input.requestedBy,
    correlationId: input.correlationId,
    createdAt: now.toISOString(),
    hosts: [],
    previousReleaseId: current?.releaseId,
    replyTo: input.replyTo,
  };
  if (!existing) await createDeployment(deps.state, deployment);
  const slot = { deploymentId: deployment.id, app, env, since: now.toISOString() };
  if (!(await acquireFleet(deps.state, instance.fleet, slot))) {
    const superseded = await putPending(deps.state, instance.fleet, slot);
    if (superseded) {
      await updateDeployment(deps.state, superseded.deploymentId, (d) =>
        d.status === 'pending' ? transition(d, 'failed', now, { error: `superseded by ${deployment.id}` }) : d,
      );
    }
    const message = `${app}/${env}: ${release.version} queued — fleet ${instance.fleet} is busy, it starts when the running deployment ends${await staleNote(deps, instance.fleet)}`;
    await tell(deps, input, 'queued', message, deployment);
    return { outcome: 'done', message, deploymentId: deployment.id };
  }
  const started = await startDeployment(deps, deployment.id);
  const message = `${app}/${env}: deploying ${release.version} (${release.sha256.slice(0, 12)}) as ${deployment.id}`;
  await tell(deps, input, 'started', message, started);
  return { outcome: 'done', message, deploymentId: deployment.id };
}

/** When the deploy waits behind a hold nothing runs any more, say so and how to free it (never freed here). */
async function staleNote(deps: WorkerDeps, fleet: string): Promise<string> {
  const view = await inspectFleet(deps.state, deps.deployer, fleet);
  if (!view.stale) return '';
  deps.logger.warn({ event: 'fleet.stale', fleet, holder: view.holder?.deploymentId, why: view.stale }, 'stale fleet');
  return ` — but its holder ${view.holder?.deploymentId} looks stale (${view.stale}): tarmac fleet free ${fleet} --reason "…"`;
}

/** A locked environment refuses deploys (manual and continuous): say who, why, since when, and how to unlock. */
export async function refuseIfLocked(
  deps: WorkerDeps,
  request: { app: string; env: string; correlationId: string; replyTo?: DeployRequestInput['replyTo'] },
): Promise<JobResult | undefined> {
  const lock = await getLock(deps.state, request.app, request.env);
  if (!lock) return undefined;
  const age = formatAge(lock.since, deps.clock.now());
  const message = `${request.app}/${request.env} is locked by ${lock.by} ${age} ago: "${lock.reason}" — tarmac unlock ${request.app} ${request.env}`;
  await tell(deps, request, 'rejected', message);
  return { outcome: 'refused', message };
}
