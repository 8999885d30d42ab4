import { allInstances } from '../../core/config';
import type { JobOf } from '../../core/jobs';
import type { Release } from '../../core/releases';
import type { JobRecord, JobResult } from '../../state/jobs';
import { keys } from '../../state/keys';
import { branchesAt, recordPush } from '../../state/pushes';
import { listReleases } from '../../state/releases';
import { requestDeploy } from '../deploy-flow';
import type { WorkerDeps } from '../deps';

interface PushRecord {
  readonly branch: string;
  readonly sha: string;
  readonly pusher: string;
  readonly at: string;
}

const short = (sha: string) => sha.slice(0, 7);

/**
 * Continuous delivery joins a push and the build of the same sha; whichever arrives second starts the deploy.
 * A push moves its branch's head only if it is the newest (see `movesHead`); a replayed push changes nothing.
 */
export async function push(deps: WorkerDeps, job: JobOf<'push'>, record: JobRecord): Promise<JobResult> {
  const sha = job.sha.toLowerCase();
  const update = { branch: job.branch, before: job.before?.toLowerCase(), after: sha, pushedAt: job.pushedAt };
  const verdict = await recordPush(
    deps.state,
    job.app,
    { ...update, pusher: job.pusher },
    job.idempotencyKey,
    deps.clock.now(),
  );
  if (verdict.kind === 'replay')
    return { outcome: 'skipped', message: `${job.app}: push ${short(sha)} to ${job.branch} was already recorded` };
  const pushRecord: PushRecord = { branch: job.branch, sha, pusher: job.pusher, at: deps.clock.now().toISOString() };
  await deps.state.put(keys.push(job.app, sha), pushRecord, { ttlSec: 30 * 24 * 3600 });
  if (verdict.kind === 'stale')
    return {
      outcome: 'skipped',
      message: `${job.app}: push ${short(update.before ?? '?')}→${short(sha)} to ${job.branch} is not newer than ${short(verdict.head.sha)} — nothing deployed`,
    };
  const release = (await listReleases(deps.state, job.app)).find(
    (r) => r.status === 'accepted' && r.gitSha?.toLowerCase() === sha,
  );
  if (!release)
    return {
      outcome: 'done',
      message: `${job.app}: push ${short(sha)} to ${job.branch} recorded, waiting for its build`,
    };
  const started = await deployPushedRelease(deps, release, job.correlationId, record.deploymentId);
  return started ?? { outcome: 'skipped', message: `${job.app}: no environment follows ${job.branch}` };
}

/** Deploy a release built from a pushed sha to every environment following a branch whose newest push it is. */
export async function deployPushedRelease(
  deps: WorkerDeps,
  release: Release,
  correlationId: string,
  deploymentIdBase: string,
): Promise<JobResult | undefined> {
  const sha = release.gitSha?.toLowerCase();
  if (!sha) return undefined;
  const heads = await branchesAt(deps.state, release.app, sha);
  if (heads.length === 0) {
    const pushed = (await deps.state.get<PushRecord>(keys.push(release.app, sha)))?.value;
    if (!pushed) return undefined;
    return {
      outcome: 'skipped',
      message: `${release.app}: ${short(sha)} superseded by a newer push to ${pushed.branch}`,
    };
  }
  const targets = heads.flatMap((head) =>
    allInstances(deps.config)
      .filter((i) => i.app === release.app && i.branch === head.branch)
      .map((instance) => ({ instance, head })),
  );
  let last: JobResult | undefined;
  for (const [index, { instance, head }] of targets.entries()) {
    last = await requestDeploy(deps, {
      app: release.app,
      env: instance.env,
      release: async () => release,
      trigger: 'push',
      requestedBy: head.pusher,
      correlationId,
      deploymentId: targets.length === 1 ? deploymentIdBase : `${deploymentIdBase}-${index}`,
    });
  }
  return last;
}
