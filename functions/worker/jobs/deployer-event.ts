import { type Deployment, isFinished, recordHook, transition } from '../../core/deployments';
import type { JobOf } from '../../core/jobs';
import type { DeployerEvent } from '../../ports';
import { getDeployment, setCurrent, updateDeployment } from '../../state/deployments';
import { releaseFleet } from '../../state/fleets';
import type { JobResult } from '../../state/jobs';
import { getRelease } from '../../state/releases';
import { startNextPending } from '../deploy-flow';
import type { WorkerDeps } from '../deps';
import { startRest } from '../start-deployment';
import { tell } from '../tell';

/**
 * Apply a deployer event (local deployer, or CodeDeploy via EventBridge) to the deployment's state and
 * per-host results. When a deployment ends: the environment's current release is updated on success, the
 * fleet is freed, the next waiting deploy starts, and whoever asked is told.
 */
export async function deployerEvent(deps: WorkerDeps, job: JobOf<'deployer-event'>): Promise<JobResult> {
  const { event } = job;
  const known = await getDeployment(deps.state, event.deploymentId);
  if (!known) return { outcome: 'skipped', message: `unknown deployment ${event.deploymentId}` };
  if (event.type === 'canary.passed') return canaryPassed(deps, known, event.externalId);
  const at = new Date(event.at);
  const updated = await updateDeployment(deps.state, event.deploymentId, (d) => apply(d, event, at));
  if (event.type !== 'deployment.finished' || isFinished(known.status)) {
    return { outcome: 'done', message: `${event.type} applied`, deploymentId: updated.id };
  }
  if (updated.status === 'succeeded') {
    const release = await getRelease(deps.state, updated.app, updated.sha256);
    await setCurrent(deps.state, updated.app, updated.env, {
      releaseId: updated.releaseId,
      version: updated.version,
      sha256: updated.sha256,
      gitSha: release?.gitSha,
      deploymentId: updated.id,
      at: event.at,
      by: updated.requestedBy,
      trigger: updated.trigger,
    });
  }
  await releaseFleet(deps.state, updated.fleet, updated.id);
  await tell(deps, updated, 'finished', summary(updated), updated);
  await startNextPending(deps, updated.fleet);
  return { outcome: 'done', message: summary(updated), deploymentId: updated.id };
}

/** Start the rest after a canary; when it cannot start, the deployment ended: tell, and free the fleet's queue. */
async function canaryPassed(deps: WorkerDeps, deployment: Deployment, canaryExternalId: string): Promise<JobResult> {
  const result = await startRest(deps, deployment, canaryExternalId);
  const after = await getDeployment(deps.state, deployment.id);
  if (after && isFinished(after.status) && !isFinished(deployment.status)) {
    await tell(deps, after, 'finished', summary(after), after);
    await startNextPending(deps, after.fleet);
  }
  return result;
}

function apply(deployment: Deployment, event: DeployerEvent, at: Date): Deployment {
  switch (event.type) {
    case 'deployment.started':
      return deployment.status === 'pending'
        ? transition(deployment, 'in_progress', at, { externalId: event.externalId })
        : { ...deployment, externalId: deployment.externalId ?? event.externalId };
    case 'canary.passed':
      return deployment;
    case 'host.event':
      return recordHook(deployment, event.host, {
        event: event.event,
        status: event.status,
        ...(event.status === 'in_progress' ? { startedAt: event.at } : { endedAt: event.at }),
        ...(event.tail ? { tail: event.tail } : {}),
      });
    case 'deployment.finished':
      // A deployer's rollback can end after its deployment was already recorded as failed (CodeDeploy's
      // notifications are not ordered): it still says what the hosts serve now.
      if (deployment.status === 'failed' && event.status === 'rolled_back') {
        return transition(deployment, 'rolled_back', at, event.error ? { error: event.error } : {});
      }
      if (isFinished(deployment.status)) return deployment;
      return transition(
        deployment.status === 'pending' ? transition(deployment, 'in_progress', at) : deployment,
        event.status,
        at,
        {
          ...(event.error ? { error: event.error } : {}),
        },
      );
  }
}

/** One line per deployment outcome, with a per-host summary. */
export function summary(d: Deployment): string {
  const hosts = d.hosts.map((h) => `${h.host} ${h.status}`).join(', ');
  const head = `${d.app}/${d.env} ${d.version}: ${d.status.replace('_', ' ')}`;
  return `${head}${hosts ? ` (${hosts})` : ''}${d.error ? ` — ${d.error}` : ''}`;
}

/**
 * Ends a deployment no live run will end (its runner died, or it was stopped) exactly as a deployer's
 * `deployment.finished` would, under the calling job's idempotency key and correlation id.
 */
export function endDeployment(
  deps: WorkerDeps,
  job: { readonly idempotencyKey: string; readonly correlationId: string; readonly app: string },
  deploymentId: string,
  ending: { readonly status: 'succeeded' | 'failed'; readonly at: string; readonly error?: string },
): Promise<JobResult> {
  return deployerEvent(deps, {
    v: 1,
    type: 'deployer-event',
    idempotencyKey: job.idempotencyKey,
    correlationId: job.correlationId,
    app: job.app,
    event: { type: 'deployment.finished', deploymentId, ...ending },
  });
}
