import type { JobOf } from '../../core/jobs';
import { getCurrent, previousSuccess } from '../../state/deployments';
import type { JobRecord, JobResult } from '../../state/jobs';
import { deleteLock, putLock } from '../../state/locks';
import { findRelease, getRelease } from '../../state/releases';
import type { WorkerDeps } from '../deps';
import { refuseIfLocked, requestDeploy } from '../request';
import { type Requester, tell } from '../tell';

async function refuse(deps: WorkerDeps, requester: Requester, message: string): Promise<JobResult> {
  await tell(deps, requester, 'rejected', message);
  return { outcome: 'refused', message };
}

/** Deploy a named (version, sha, branch) or the newest accepted release. */
export async function deploy(deps: WorkerDeps, job: JobOf<'deploy'>, record: JobRecord): Promise<JobResult> {
  const locked = await refuseIfLocked(deps, job);
  if (locked) return locked;
  const release = await findRelease(deps.state, job.app, job.ref);
  if (!release) {
    const what = job.ref ? `matching "${job.ref}"` : 'at all';
    return refuse(deps, job, `${job.app}: no accepted release ${what} — push one with tarmac release push`);
  }
  return requestDeploy(deps, { ...job, release, deploymentId: record.deploymentId });
}

/** Back to the environment's previous successful release, without naming a version. */
export async function rollback(deps: WorkerDeps, job: JobOf<'rollback'>, record: JobRecord): Promise<JobResult> {
  const locked = await refuseIfLocked(deps, job);
  if (locked) return locked;
  const current = await getCurrent(deps.state, job.app, job.env);
  const target = await previousSuccess(deps.state, job.app, job.env, current?.releaseId);
  const release = target && (await getRelease(deps.state, job.app, target.sha256));
  if (!release) {
    return refuse(deps, job, `${job.app}/${job.env}: no previous successful release to roll back to`);
  }
  return requestDeploy(deps, { ...job, trigger: 'rollback', release, deploymentId: record.deploymentId });
}

/** The same tarball (by sha256) from one environment to another; refused unless it succeeded in the source. */
export async function promote(deps: WorkerDeps, job: JobOf<'promote'>, record: JobRecord): Promise<JobResult> {
  const locked = await refuseIfLocked(deps, { ...job, env: job.to });
  if (locked) return locked;
  const source = await getCurrent(deps.state, job.app, job.from);
  const release = source && (await getRelease(deps.state, job.app, source.sha256));
  if (!release) {
    return refuse(deps, job, `${job.app}/${job.from} has no successful release to promote — deploy there first`);
  }
  return requestDeploy(deps, { ...job, env: job.to, trigger: 'promote', release, deploymentId: record.deploymentId });
}

export async function lock(deps: WorkerDeps, job: JobOf<'lock'>): Promise<JobResult> {
  const since = deps.clock.now().toISOString();
  await putLock(deps.state, { app: job.app, env: job.env, by: job.by, reason: job.reason, since });
  const message = `${job.app}/${job.env} locked by ${job.by}: "${job.reason}"`;
  await tell(deps, job, 'info', message);
  return { outcome: 'done', message };
}

export async function unlock(deps: WorkerDeps, job: JobOf<'unlock'>): Promise<JobResult> {
  const removed = await deleteLock(deps.state, job.app, job.env);
  const message = removed ? `${job.app}/${job.env} unlocked by ${job.by}` : `${job.app}/${job.env} was not locked`;
  await tell(deps, job, 'info', message);
  return { outcome: 'done', message };
}
