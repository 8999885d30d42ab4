import { instanceOf } from '../../core/config';
import { type Deployment, isFinished, transition } from '../../core/deployments';
import type { JobOf } from '../../core/jobs';
import { getDeployment, updateDeployment } from '../../state/deployments';
import { dropPending, fleetHolder } from '../../state/fleets';
import type { JobResult } from '../../state/jobs';
import type { WorkerDeps } from '../deps';
import { tell } from '../tell';
import { endDeployment } from './deployer-event';

type Abort = JobOf<'abort'>;

/**
 * `tarmac abort <app> <env>`: a deploy still waiting for its fleet is dropped; the running one is stopped by
 * its deployer, which rolls back the hosts it touched and then reports the end as usual (the fleet is freed
 * and the next waiting deploy starts). A deployment nothing runs any more is ended as failed at once, so the
 * fleet is free either way. Audited: the deployment records who aborted it, why and when.
 */
export async function abort(deps: WorkerDeps, job: Abort): Promise<JobResult> {
  const { fleet } = instanceOf(deps.config, job.app, job.env);
  const now = deps.clock.now();
  const why = `aborted by ${job.by}${job.reason ? `: "${job.reason}"` : ''}`;
  const mark = (d: Deployment) => ({ ...d, aborted: { by: job.by, reason: job.reason, at: now.toISOString() } });
  const dropped = await dropPending(deps.state, fleet, job.app, job.env);
  if (dropped) {
    await updateDeployment(deps.state, dropped.deploymentId, (d) =>
      d.status === 'pending' ? transition(mark(d), 'failed', now, { error: `${why} before it started` }) : d,
    );
  }
  const holder = await fleetHolder(deps.state, fleet);
  const mine = holder?.app === job.app && holder.env === job.env;
  const running = mine && holder ? await getDeployment(deps.state, holder.deploymentId) : undefined;
  if (!running || isFinished(running.status)) {
    if (dropped)
      return answer(
        deps,
        job,
        `${job.app}/${job.env}: waiting deployment ${dropped.deploymentId} ${why} — it never started`,
        dropped.deploymentId,
      );
    const busy = holder ? ` (fleet ${fleet} runs ${holder.app}/${holder.env}, deployment ${holder.deploymentId})` : '';
    const message = `${job.app}/${job.env}: nothing to abort — no deployment of it runs${busy}`;
    await tell(deps, job, 'rejected', message);
    return { outcome: 'refused', message };
  }
  const stopping =
    running.externalId && deps.deployer.stop ? await deps.deployer.stop(running.externalId, why) : 'not-running';
  if (stopping === 'succeeded' || stopping === 'rolling-back') return tooLate(deps, job, running, stopping);
  await updateDeployment(deps.state, running.id, mark);
  if (stopping === 'stopping') {
    return answer(
      deps,
      job,
      `${job.app}/${job.env}: aborting ${running.id} (${running.version}) — the hosts it touched roll back to the release before it; the fleet is free when that ends`,
      running.id,
    );
  }
  // Nothing runs it (never handed to the deployer, or its runner died): end it now so the fleet is free.
  const error = `${why} — no live run to stop, so no host was rolled back: check what they serve (tarmac status)`;
  await endDeployment(deps, job, running.id, { status: 'failed', at: now.toISOString(), error });
  return answer(deps, job, `${job.app}/${job.env}: deployment ${running.id} ${error}`, running.id);
}

/**
 * The deployment is past what an abort stops: its last hook ended (it succeeded), or it failed and its
 * automatic rollback runs — stopping that would leave hosts half-way, so it is left to finish. Nothing is
 * recorded as aborted. A rollback under way is `done` (`abort --wait` follows it to its end); a success is
 * refused, as any abort with nothing to abort.
 */
async function tooLate(
  deps: WorkerDeps,
  job: Abort,
  running: Deployment,
  stopping: 'succeeded' | 'rolling-back',
): Promise<JobResult> {
  const what = `deployment ${running.id} (${running.version})`;
  if (stopping === 'rolling-back') {
    return answer(
      deps,
      job,
      `${job.app}/${job.env}: ${what} already failed and is rolling back to the release before it — left to finish so no host is left half-way; the fleet is free when it ends`,
      running.id,
    );
  }
  const message = `${job.app}/${job.env}: nothing to abort: ${what} already succeeded (its last hook had ended) — to undo it: tarmac rollback ${job.app} ${job.env}`;
  await tell(deps, job, 'rejected', message);
  return { outcome: 'refused', message, deploymentId: running.id };
}

async function answer(deps: WorkerDeps, job: Abort, message: string, deploymentId: string): Promise<JobResult> {
  await tell(deps, job, 'info', message);
  return { outcome: 'done', message, deploymentId };
}
