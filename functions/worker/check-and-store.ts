import { PassThrough, Readable } from 'node:stream';
import { ArtifactIntegrityError } from '../core/errors';
import type { StoredObject } from '../ports';
import { UnsafeReleaseError } from '../release/errors';
import type { CheckResult, WorkerDeps } from './deps';
import { checkReleaseStream } from './pack';

export interface CheckedUpload {
  readonly check: CheckResult;
  /** The content-addressed copy, when the check passed (and the upload was not content-addressed already). */
  readonly stored?: StoredObject;
}

/**
 * Read an upload once and feed the same bytes to the release checker and to a content-addressed put, so
 * ingest costs one read and one write instead of two reads. A rejected upload leaves no copy behind.
 */
export async function checkAndStore(
  deps: Pick<WorkerDeps, 'artifacts' | 'checkRelease'>,
  key: string,
  releaseName: string,
  /** How a rejected copy goes (the ingest job keeps one that another ingest holds or another app accepted). */
  drop: (key: string) => Promise<void> = (copy) => deps.artifacts.delete(copy),
): Promise<CheckedUpload> {
  const checkRelease = deps.checkRelease ?? checkReleaseStream;
  const source = Readable.from(await deps.artifacts.get(key), { objectMode: false });
  if (key.startsWith('sha256/')) return { check: await checkRelease(source, { releaseName }) };
  const toCheck = new PassThrough();
  const toStore = new PassThrough();
  source.pipe(toCheck);
  source.pipe(toStore);
  source.once('error', (error) => {
    toCheck.destroy(error);
    toStore.destroy(error);
  });
  const storing = deps.artifacts.put(toStore).then(
    (stored) => ({ stored }),
    (error: unknown) => ({ error }),
  );
  const check = await checkRelease(toCheck, { releaseName });
  if (!check.ok) {
    // The checker stopped reading at the offending entry: stop the copy too and drop what it wrote.
    source.unpipe(toStore);
    toStore.destroy(new UnsafeReleaseError({ entry: check.entry ?? '(archive)', reason: check.reason }));
    source.destroy();
    const outcome = await storing;
    if ('stored' in outcome) await drop(outcome.stored.key);
    return { check };
  }
  const outcome = await storing;
  if ('error' in outcome) throw outcome.error;
  if (outcome.stored.sha256 !== check.sha256) {
    const sha256 = { checked: check.sha256, stored: outcome.stored.sha256 };
    throw new ArtifactIntegrityError(key, 'changed while it was ingested', { sha256 });
  }
  return { check, stored: outcome.stored };
}
