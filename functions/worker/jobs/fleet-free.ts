import { formatAge } from '../../core/clock';
import { type Deployment, isFinished } from '../../core/deployments';
import type { JobOf } from '../../core/jobs';
import type { StopOutcome } from '../../ports';
import { getDeployment } from '../../state/deployments';
import { inspectFleet, recordFleetFreed } from '../../state/fleet-health';
import { releaseFleet } from '../../state/fleets';
import type { JobResult } from '../../state/jobs';
import { startNextPending } from '../deploy-flow';
import type { WorkerDeps } from '../deps';
import { tell } from '../tell';
import { endDeployment } from './deployer-event';

/**
 * Free a fleet on an operator's request (`tarmac fleet free`), in the fleet's queue group so it is ordered
 * with the fleet's own work. A stale hold is freed; a live one only with `force`. The holding deployment
 * ends as the deployer says it ended (a lost success still becomes current), or failed with the operator's
 * reason — through the same path as a deployer's own `deployment.finished`, so the next waiting deploy
 * starts. Audited: the fleet keeps a record of who freed it, why and when; the deployment's error says so.
 */
export async function fleetFree(deps: WorkerDeps, job: JobOf<'fleet-free'>): Promise<JobResult> {
  const view = await inspectFleet(deps.state, deps.deployer, job.fleet);
  const { holder } = view;
  if (!holder) return { outcome: 'done', message: `fleet ${job.fleet} is free` };
  const now = deps.clock.now();
  if (!view.stale && !job.force) {
    const message =
      `fleet ${job.fleet} is held by deployment ${holder.deploymentId} (${holder.app}/${holder.env}) for ` +
      `${formatAge(holder.since, now)}, and it still runs (${view.detail ?? 'the deployer cannot say otherwise'}) — ` +
      `wait for it, or free it anyway: tarmac fleet free ${job.fleet} --force --reason "…"`;
    await tell(deps, job, 'rejected', message);
    return { outcome: 'refused', message };
  }
  const why = view.stale ?? `forced while running: ${view.detail ?? 'no word from the deployer'}`;
  const deployment = await getDeployment(deps.state, holder.deploymentId);
  const stopped = view.stale ? undefined : await stopWhereItIs(deps, deployment, job);
  const text = `fleet ${job.fleet} freed by ${job.by}: "${job.reason}" (${why})${stopped ? STOPPED[stopped] : ''}`;
  await recordFleetFreed(deps.state, {
    fleet: job.fleet,
    deploymentId: holder.deploymentId,
    by: job.by,
    reason: job.reason,
    forced: !view.stale,
    why,
    ...(stopped ? { stopped } : {}),
    at: now.toISOString(),
  });
  if (deployment && !isFinished(deployment.status)) {
    const status = view.ended ?? (stopped === 'succeeded' ? 'succeeded' : 'failed');
    await endDeployment(deps, job, deployment.id, {
      status,
      at: now.toISOString(),
      ...(status === 'failed' ? { error: text } : {}),
    });
  } else {
    await releaseFleet(deps.state, job.fleet, holder.deploymentId);
    await startNextPending(deps, job.fleet);
  }
  await tell(deps, job, 'info', text);
  return { outcome: 'done', message: text, deploymentId: holder.deploymentId };
}

const STOPPED: Record<StopOutcome, string> = {
  stopping: ' — its deployment was stopped where it is, not rolled back: check what the hosts serve (tarmac status)',
  'rolling-back': ' — its automatic rollback was still running and was left to finish',
  succeeded: ' — its deployment had just succeeded',
  'not-running': '',
};

/**
 * A forced free of a live deployment also stops it (CodeDeploy StopDeployment, the local run's hooks), so
 * nothing keeps running on a fleet tarmac now calls free — without a rollback, which would run there too.
 */
async function stopWhereItIs(
  deps: WorkerDeps,
  deployment: Deployment | undefined,
  job: JobOf<'fleet-free'>,
): Promise<StopOutcome | undefined> {
  if (!deployment?.externalId || isFinished(deployment.status) || !deps.deployer.stop) return undefined;
  const reason = `fleet ${job.fleet} freed by ${job.by}: "${job.reason}"`;
  return deps.deployer.stop(deployment.externalId, reason, { rollback: false });
}
