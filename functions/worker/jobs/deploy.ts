import type { JobOf } from '../../core/jobs';
import { getCurrent, previousSuccess } from '../../state/deployments';
import type { JobRecord, JobResult } from '../../state/jobs';
import { findRelease, getRelease } from '../../state/releases';
import { requestDeploy } from '../deploy-flow';
import type { WorkerDeps } from '../deps';

/** Deploy a named (version, sha, branch) or the newest accepted release. */
export function deploy(deps: WorkerDeps, job: JobOf<'deploy'>, record: JobRecord): Promise<JobResult> {
  return requestDeploy(deps, {
    ...job,
    deploymentId: record.deploymentId,
    release: async () =>
      (await findRelease(deps.state, job.app, job.ref)) ??
      `${job.app}: no accepted release ${job.ref ? `matching "${job.ref}"` : 'at all'} — push one with tarmac release push`,
  });
}

/** Back to the environment's previous successful release, without naming a version. */
export function rollback(deps: WorkerDeps, job: JobOf<'rollback'>, record: JobRecord): Promise<JobResult> {
  return requestDeploy(deps, {
    ...job,
    trigger: 'rollback',
    deploymentId: record.deploymentId,
    release: async () => {
      const current = await getCurrent(deps.state, job.app, job.env);
      const target = await previousSuccess(deps.state, job.app, job.env, current?.releaseId);
      const release = target && (await getRelease(deps.state, job.app, target.sha256));
      return release || `${job.app}/${job.env}: no previous successful release to roll back to`;
    },
  });
}

/** The same tarball (by sha256) from one environment to another; refused unless it succeeded in the source. */
export function promote(deps: WorkerDeps, job: JobOf<'promote'>, record: JobRecord): Promise<JobResult> {
  return requestDeploy(deps, {
    ...job,
    env: job.to,
    trigger: 'promote',
    deploymentId: record.deploymentId,
    release: async () => {
      const source = await getCurrent(deps.state, job.app, job.from);
      const release = source && (await getRelease(deps.state, job.app, source.sha256));
      return release || `${job.app}/${job.from} has no successful release to promote — deploy there first`;
    },
  });
}
