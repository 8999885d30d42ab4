import { type Instance, instanceOf } from '../core/config';
import { type Deployment, isFinished, type Trigger, transition } from '../core/deployments';
import { lockRefusal } from '../core/locks';
import type { Release } from '../core/releases';
import { createDeployment, getCurrent, getDeployment, updateDeployment } from '../state/deployments';
import { inspectFleet } from '../state/fleet-health';
import { acquireFleet, putPending, takeNextPending } from '../state/fleets';
import type { JobResult } from '../state/jobs';
import { getLock } from '../state/locks';
import type { WorkerDeps } from './deps';
import { startDeployment } from './start-deployment';
import { type Requester, tell } from './tell';

/**
 * The deploy flow, from the queue message to the deployer call. A `deploy`, `rollback` or `promote` job
 * (jobs/deploy.ts) or a push to a followed branch (jobs/push.ts) says which release it wants, then:
 *
 *   1. {@link alreadyEnded}     a redelivered request whose deployment ended is done
 *   2. {@link refuseIfLocked}   a locked environment refuses it (the one lock check)
 *   3. resolve the release     or refuse, saying why
 *   4. {@link recordDeployment} the deployment, `pending`
 *   5. {@link holdFleet}        hold the app's fleet, or wait for it as pending (superseding an older wait)
 *   6. {@link startDeployment}  plan → bundle → deployer (start-deployment.ts)
 *   7. {@link tell}             whoever asked
 *
 * When a deployment ends (jobs/deployer-event.ts) or fails to start, {@link startNextPending} starts the
 * oldest deploy that waited for its fleet — a loop, never a recursion.
 */
export async function requestDeploy(deps: WorkerDeps, request: RequestedDeploy): Promise<JobResult> {
  const existing = await getDeployment(deps.state, request.deploymentId);
  if (existing && isFinished(existing.status)) return alreadyEnded(existing);
  if (!existing) {
    const locked = await refuseIfLocked(deps, request);
    if (locked) return locked;
  }
  const release = await request.release();
  if (typeof release === 'string') return refuse(deps, request, release);
  const instance = instanceOf(deps.config, request.app, request.env);
  const deployment = existing ?? (await recordDeployment(deps, request, instance, release));
  if (!(await holdFleet(deps, instance, deployment))) {
    const message = `${request.app}/${request.env}: ${release.version} queued — fleet ${instance.fleet} is busy, it starts when the running deployment ends${await staleNote(deps, instance.fleet)}`;
    await tell(deps, request, 'queued', message, deployment);
    return { outcome: 'done', message, deploymentId: deployment.id };
  }
  const started = await startDeployment(deps, deployment.id);
  const message = `${request.app}/${request.env}: deploying ${release.version} (${release.sha256.slice(0, 12)}) as ${deployment.id}`;
  await tell(deps, request, 'started', message, started);
  if (started.status === 'failed') await startNextPending(deps, instance.fleet);
  return { outcome: 'done', message, deploymentId: deployment.id };
}

/** What a deploy request carries, whichever job made it. */
export interface RequestedDeploy extends Requester {
  readonly app: string;
  readonly env: string;
  readonly trigger: Trigger;
  readonly requestedBy: string;
  /** Chosen once per job (see runOnce), so a retried job finds the deployment it already created. */
  readonly deploymentId: string;
  /** The release to deploy, or why there is none (refused with that message). Asked after the lock check. */
  readonly release: () => Promise<Release | string>;
}

/** When a fleet frees up, start the oldest deploy that waited for it; when that one fails to start, the next. */
export async function startNextPending(deps: WorkerDeps, fleet: string): Promise<void> {
  for (;;) {
    const next = await takeNextPending(deps.state, fleet);
    if (!next) return;
    const deployment = await getDeployment(deps.state, next.deploymentId);
    if (deployment?.status !== 'pending') continue;
    const acquired = await acquireFleet(deps.state, fleet, { ...next, since: deps.clock.now().toISOString() });
    if (!acquired) {
      // Someone else took the fleet between our release and now: wait again, in order.
      await putPending(deps.state, fleet, next);
      return;
    }
    // A start that fails frees the fleet again: go on with the next waiting deploy.
    if ((await startDeployment(deps, next.deploymentId)).status !== 'failed') return;
  }
}

/** A locked environment refuses deploys (manual and continuous): say who, why, since when, and how to unlock. */
async function refuseIfLocked(
  deps: WorkerDeps,
  request: Requester & { app: string; env: string },
): Promise<JobResult | undefined> {
  const refusal = lockRefusal(await getLock(deps.state, request.app, request.env), deps.clock.now());
  return refusal && refuse(deps, request, refusal.message);
}

function alreadyEnded(existing: Deployment): JobResult {
  const message = `${existing.app}/${existing.env}: deployment ${existing.id} already ${existing.status}`;
  return { outcome: 'done', message, deploymentId: existing.id };
}

async function refuse(deps: WorkerDeps, requester: Requester, message: string): Promise<JobResult> {
  await tell(deps, requester, 'rejected', message);
  return { outcome: 'refused', message };
}

async function recordDeployment(
  deps: WorkerDeps,
  request: RequestedDeploy,
  instance: Instance,
  release: Release,
): Promise<Deployment> {
  const current = await getCurrent(deps.state, request.app, request.env);
  const deployment: Deployment = {
    id: request.deploymentId,
    app: request.app,
    env: request.env,
    fleet: instance.fleet,
    releaseId: release.id,
    version: release.version,
    sha256: release.sha256,
    gitSha: release.gitSha,
    status: 'pending',
    trigger: request.trigger,
    requestedBy: request.requestedBy,
    correlationId: request.correlationId,
    createdAt: deps.clock.now().toISOString(),
    hosts: [],
    previousReleaseId: current?.releaseId,
    replyTo: request.replyTo,
  };
  await createDeployment(deps.state, deployment);
  return deployment;
}

/** Hold the fleet for `deployment`; when another holds it, wait as pending (failing an older pending wait). */
async function holdFleet(deps: WorkerDeps, instance: Instance, deployment: Deployment): Promise<boolean> {
  const now = deps.clock.now();
  const slot = { deploymentId: deployment.id, app: deployment.app, env: deployment.env, since: now.toISOString() };
  if (await acquireFleet(deps.state, instance.fleet, slot)) return true;
  const superseded = await putPending(deps.state, instance.fleet, slot);
  if (superseded) {
    await updateDeployment(deps.state, superseded.deploymentId, (d) =>
      d.status === 'pending' ? transition(d, 'failed', now, { error: `superseded by ${deployment.id}` }) : d,
    );
  }
  return false;
}

/** When the deploy waits behind a hold nothing runs any more, say so and how to free it (never freed here). */
async function staleNote(deps: WorkerDeps, fleet: string): Promise<string> {
  const view = await inspectFleet(deps.state, deps.deployer, fleet);
  if (!view.stale) return '';
  deps.logger.warn({ event: 'fleet.stale', fleet, holder: view.holder?.deploymentId, why: view.stale }, 'stale fleet');
  return ` — but its holder ${view.holder?.deploymentId} looks stale (${view.stale}): tarmac fleet free ${fleet} --reason "…"`;
}
