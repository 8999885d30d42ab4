import { allInstances } from '../../core/config';
import type { JobOf } from '../../core/jobs';
import type { Release } from '../../core/releases';
import type { StateStore } from '../../ports';
import { keys } from '../../state/keys';
import { listReleases } from '../../state/releases';
import type { WorkerDeps } from '../deps';
import type { JobRecord, JobResult } from '../once';
import { requestDeploy } from '../request';

interface PushRecord {
  readonly branch: string;
  readonly sha: string;
  readonly pusher: string;
  readonly at: string;
}

/**
 * Continuous delivery joins a push and the build of the same sha; whichever arrives second starts the deploy.
 * A push records itself, then deploys at once if the build is already in.
 */
export async function push(deps: WorkerDeps, job: JobOf<'push'>, record: JobRecord): Promise<JobResult> {
  const sha = job.sha.toLowerCase();
  const pushRecord: PushRecord = { branch: job.branch, sha, pusher: job.pusher, at: deps.clock.now().toISOString() };
  await deps.state.put(keys.push(job.app, sha), pushRecord, { ttlSec: 30 * 24 * 3600 });
  const release = (await listReleases(deps.state, job.app)).find(
    (r) => r.status === 'accepted' && r.gitSha?.toLowerCase() === sha,
  );
  if (!release)
    return {
      outcome: 'done',
      message: `${job.app}: push ${sha.slice(0, 7)} to ${job.branch} recorded, waiting for its build`,
    };
  const started = await deployPushedRelease(deps, release, job.correlationId, record.deploymentId);
  return started ?? { outcome: 'skipped', message: `${job.app}: no environment follows ${job.branch}` };
}

/** Deploy a release built from a pushed sha to every environment following the pushed branch — unless a newer push superseded it. */
export async function deployPushedRelease(
  deps: WorkerDeps,
  release: Release,
  correlationId: string,
  deploymentIdBase: string,
): Promise<JobResult | undefined> {
  const sha = release.gitSha?.toLowerCase();
  if (!sha) return undefined;
  const pushed = (await deps.state.get<PushRecord>(keys.push(release.app, sha)))?.value;
  if (!pushed) return undefined;
  if (await newerPush(deps.state, release.app, pushed)) {
    return {
      outcome: 'skipped',
      message: `${release.app}: ${sha.slice(0, 7)} superseded by a newer push to ${pushed.branch}`,
    };
  }
  const targets = allInstances(deps.config).filter((i) => i.app === release.app && i.branch === pushed.branch);
  let last: JobResult | undefined;
  for (const [index, instance] of targets.entries()) {
    last = await requestDeploy(deps, {
      app: release.app,
      env: instance.env,
      release,
      trigger: 'push',
      requestedBy: pushed.pusher,
      correlationId,
      deploymentId: targets.length === 1 ? deploymentIdBase : `${deploymentIdBase}-${index}`,
    });
  }
  return last;
}

async function newerPush(state: StateStore, app: string, pushed: PushRecord): Promise<boolean> {
  const { pk, prefix } = keys.pushesOf(app);
  const items = await state.query<PushRecord>(pk, { prefix });
  return items.some((i) => i.value.branch === pushed.branch && i.value.at > pushed.at);
}
