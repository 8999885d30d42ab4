import type { JobOf } from '../../core/jobs';
import type { JobResult } from '../../state/jobs';
import { deleteLock, putLock } from '../../state/locks';
import type { WorkerDeps } from '../deps';
import { tell } from '../tell';

/** Lock an environment: deploys to it (manual and continuous) are refused until it is unlocked. */
export async function lock(deps: WorkerDeps, job: JobOf<'lock'>): Promise<JobResult> {
  const since = deps.clock.now().toISOString();
  await putLock(deps.state, { app: job.app, env: job.env, by: job.by, reason: job.reason, since });
  const message = `${job.app}/${job.env} locked by ${job.by}: "${job.reason}"`;
  await tell(deps, job, 'info', message);
  return { outcome: 'done', message };
}

/** Unlock an environment (a no-op, said as such, when it was not locked). */
export async function unlock(deps: WorkerDeps, job: JobOf<'unlock'>): Promise<JobResult> {
  const removed = await deleteLock(deps.state, job.app, job.env);
  const message = removed ? `${job.app}/${job.env} unlocked by ${job.by}` : `${job.app}/${job.env} was not locked`;
  await tell(deps, job, 'info', message);
  return { outcome: 'done', message };
}
