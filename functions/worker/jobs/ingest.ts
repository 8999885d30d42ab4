import { type AppConfig, findApp } from '../../core/config';
import { ArtifactIntegrityError } from '../../core/errors';
import type { JobOf } from '../../core/jobs';
import { contentKey, type Release, releaseId } from '../../core/releases';
import type { JobRecord, JobResult } from '../../state/jobs';
import { keys } from '../../state/keys';
import { recordRelease } from '../../state/releases';
import { checkAndStore } from '../check-and-store';
import { ContentBeingDroppedError, dropRejectedContent, holdContent, letGoOfContent } from '../content-refs';
import { crashPoint } from '../crash-points';
import type { CheckResult, WorkerDeps } from '../deps';
import { platformWarnings } from '../push-warnings';
import { tell } from '../tell';
import { deployPushedRelease } from './push';

/**
 * Validate an uploaded tarball by streaming it through the release checker (no extraction) while storing it
 * content-addressed (one read of the upload), record the release, and — when a push for the same sha already arrived — start the
 * continuous delivery deploy. A rejected artifact is recorded as rejected with the reason; nothing else changes.
 * While it reads and records, the job holds the content it ingests (content-refs.ts), so that a concurrent
 * ingest of the same bytes that rejects them never deletes them from under it.
 */
export async function ingest(deps: WorkerDeps, job: JobOf<'ingest'>, record: JobRecord): Promise<JobResult> {
  const app = findApp(deps.config, job.app);
  if (!app) return { outcome: 'rejected', message: `unknown app ${job.app}` };
  const holder = job.idempotencyKey;
  await holdContent(deps, job.artifactKey, holder);
  try {
    return await checkAndRecord(deps, job, record, app);
  } finally {
    await letGoOfContent(deps, job.artifactKey, holder);
  }
}

async function checkAndRecord(
  deps: WorkerDeps,
  job: JobOf<'ingest'>,
  record: JobRecord,
  app: AppConfig,
): Promise<JobResult> {
  const holder = job.idempotencyKey;
  const drop = (key: string) => dropRejectedContent(deps, key, holder);
  const { check, stored } = await checkAndStore(deps, job.artifactKey, app.release, drop);
  if (!check.ok) return reject(deps, job, record, check);
  const artifactKey = stored?.key ?? job.artifactKey;
  if (artifactKey !== contentKey(check.sha256)) {
    throw new ArtifactIntegrityError(artifactKey, 'is not content-addressed', { sha256: check.sha256 });
  }
  if (!stored) return accept(deps, job, record, check, artifactKey);
  // The copy was made (or found) before this job could hold it: make sure no rejection dropped it meanwhile.
  await holdContent(deps, stored.key, holder);
  try {
    if (!(await deps.artifacts.head(stored.key))) throw new ContentBeingDroppedError(stored.key);
    return await accept(deps, job, record, check, artifactKey);
  } finally {
    await letGoOfContent(deps, stored.key, holder);
  }
}

const releaseBase = (deps: WorkerDeps, job: JobOf<'ingest'>) => ({
  app: job.app,
  version: job.version,
  gitSha: job.gitSha,
  branch: job.branch,
  uploadedBy: job.uploadedBy,
  createdAt: deps.clock.now().toISOString(),
});

async function reject(
  deps: WorkerDeps,
  job: JobOf<'ingest'>,
  record: JobRecord,
  check: Extract<CheckResult, { ok: false }>,
): Promise<JobResult> {
  const reason = check.entry ? `${check.entry}: ${check.reason}` : check.reason;
  const rejected: Release = {
    ...releaseBase(deps, job),
    sha256: '',
    size: 0,
    id: `rejected-${record.deploymentId}`,
    artifactKey: job.artifactKey,
    status: 'rejected',
    rejection: reason,
    ...(check.entry ? { rejectedEntry: check.entry } : {}),
  };
  await deps.state.put(keys.release(job.app, `rejected-${job.idempotencyKey}`), rejected);
  await dropRejectedContent(deps, job.artifactKey, job.idempotencyKey);
  const message = `${job.app} ${job.version} rejected: ${reason}`;
  await tell(deps, job, 'rejected', message);
  return { outcome: 'rejected', message };
}

async function accept(
  deps: WorkerDeps,
  job: JobOf<'ingest'>,
  record: JobRecord,
  check: Extract<CheckResult, { ok: true }>,
  artifactKey: string,
): Promise<JobResult> {
  const candidate: Release = {
    ...releaseBase(deps, job),
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
