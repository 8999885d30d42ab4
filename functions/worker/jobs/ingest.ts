import { findApp } from '../../core/config';
import { ArtifactIntegrityError } from '../../core/errors';
import type { JobOf } from '../../core/jobs';
import { contentKey, type Release, releaseId } from '../../core/releases';
import type { JobRecord, JobResult } from '../../state/jobs';
import { keys } from '../../state/keys';
import { recordRelease } from '../../state/releases';
import { checkAndStore } from '../check-and-store';
import { crashPoint } from '../crash-points';
import type { WorkerDeps } from '../deps';
import { platformWarnings } from '../push-warnings';
import { tell } from '../tell';
import { deployPushedRelease } from './push';

/**
 * Validate an uploaded tarball by streaming it through the release checker (no extraction) while storing it
 * content-addressed (one read of the upload), record the release, and — when a push for the same sha already arrived — start the
 * continuous delivery deploy. A rejected artifact is recorded as rejected with the reason; nothing else changes.
 */
export async function ingest(deps: WorkerDeps, job: JobOf<'ingest'>, record: JobRecord): Promise<JobResult> {
  const app = findApp(deps.config, job.app);
  if (!app) return { outcome: 'rejected', message: `unknown app ${job.app}` };
  const { check, stored } = await checkAndStore(deps, job.artifactKey, app.release);
  const now = deps.clock.now().toISOString();
  const base = {
    app: job.app,
    version: job.version,
    gitSha: job.gitSha,
    branch: job.branch,
    uploadedBy: job.uploadedBy,
    createdAt: now,
  };
  if (!check.ok) {
    const reason = check.entry ? `${check.entry}: ${check.reason}` : check.reason;
    const rejected: Release = {
      ...base,
      sha256: '',
      size: 0,
      id: `rejected-${record.deploymentId}`,
      artifactKey: job.artifactKey,
      status: 'rejected',
      rejection: reason,
      ...(check.entry ? { rejectedEntry: check.entry } : {}),
    };
    await deps.state.put(keys.release(job.app, `rejected-${job.idempotencyKey}`), rejected);
    await dropRejectedContent(deps, job.artifactKey);
    const message = `${job.app} ${job.version} rejected: ${reason}`;
    await tell(deps, job, 'rejected', message);
    return { outcome: 'rejected', message };
  }
  const artifactKey = stored?.key ?? job.artifactKey;
  if (artifactKey !== contentKey(check.sha256)) {
    throw new ArtifactIntegrityError(artifactKey, 'is not content-addressed', { sha256: check.sha256 });
  }
  const candidate: Release = {
    ...base,
    sha256: check.sha256,
    size: check.size,
    id: releaseId(job.version, check.sha256),
    artifactKey,
    status: 'accepted',
    ...(check.needs ? { needs: check.needs } : {}),
  };
  // Warned, not refused: the deploy refuses a host that cannot run it (before anything is stopped).
  const warnings = await platformWarnings(deps, candidate);
  const { release, created } = await recordRelease(deps.state, {
    ...candidate,
    ...(warnings.length ? { warnings } : {}),
  });
  crashPoint('after-ingest');
  const verdict = created
    ? `${job.app} ${release.version} accepted (${release.sha256.slice(0, 12)}, ${release.size} bytes)`
    : `${job.app} ${release.version} already recorded (${release.sha256.slice(0, 12)})`;
  const message = [verdict, ...warnings].join('\n');
  await tell(deps, job, 'info', message);
  if (release.gitSha) await deployPushedRelease(deps, release, job.correlationId, record.deploymentId);
  return { outcome: 'done', message };
}

/**
 * A signed upload is stored under its content-addressed key before the check: when the check refuses it, drop
 * it — unless an app accepted the very same bytes (another app's release may have passed where this app's
 * release name did not).
 */
async function dropRejectedContent(deps: WorkerDeps, artifactKey: string): Promise<void> {
  if (!artifactKey.startsWith('sha256/')) return;
  const sha256 = artifactKey.slice('sha256/'.length);
  for (const app of Object.keys(deps.config.apps)) {
    const release = await deps.state.get<Release>(keys.release(app, sha256));
    if (release?.value.status === 'accepted') return;
  }
  await deps.artifacts.delete(artifactKey);
}
