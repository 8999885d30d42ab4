import { TarmacError } from '../core/errors';
import type { Release } from '../core/releases';
import type { StateKey } from '../ports';
import { keys } from '../state/keys';
import type { WorkerDeps } from './deps';

/**
 * Who reads a content-addressed upload (`sha256/<hex>`) right now, so that a rejection never deletes bytes
 * another ingest is about to accept. Two ingests of the same bytes for different apps can disagree (one app's
 * release name is in the tarball, the other's is not); without this, the rejecting one saw no accepted release
 * yet and deleted the object under the other.
 *
 * The protocol is "write mine, then read theirs" on the strongly consistent state store: an ingest writes its
 * reference before it reads the object, then looks for a drop marker; a rejection writes the drop marker, then
 * looks for references and accepted releases. At least one of the two sees the other: either the rejection keeps
 * the object, or the ingest backs off and is retried (finding the object kept, or gone: upload again).
 */
const ref = (sha256: string, holder: string): StateKey => ({ pk: `content#${sha256}`, sk: `ref#${holder}` });
const marker = (sha256: string, holder: string): StateKey => ({ pk: `content#${sha256}`, sk: `dropping#${holder}` });
/** A marker or reference older than this was left by a worker that died: ignore it (a drop takes milliseconds). */
const STALE_MS = 10 * 60 * 1000;

const sha256Of = (artifactKey: string) =>
  artifactKey.startsWith('sha256/') ? artifactKey.slice('sha256/'.length) : undefined;
const fresh = (deps: Pick<WorkerDeps, 'clock'>, at: string | undefined) =>
  at !== undefined && deps.clock.now().getTime() - Date.parse(at) < STALE_MS;

/** Thrown (and retried by the queue) when a concurrent rejection is deleting the very object to be ingested. */
export class ContentBeingDroppedError extends TarmacError {
  constructor(artifactKey: string) {
    super(`${artifactKey} is being deleted after another ingest rejected it — retrying`, { artifactKey });
    this.name = 'ContentBeingDroppedError';
  }
}

/** Before reading a content-addressed upload: record that `holder` (the job) reads it. */
export async function holdContent(deps: Pick<WorkerDeps, 'state' | 'clock'>, artifactKey: string, holder: string) {
  const sha256 = sha256Of(artifactKey);
  if (!sha256) return;
  await deps.state.put(ref(sha256, holder), { at: deps.clock.now().toISOString() });
  const dropping = await deps.state.query<{ at: string }>(`content#${sha256}`, { prefix: 'dropping#' });
  if (dropping.some((item) => fresh(deps, item.value.at))) {
    await deps.state.delete(ref(sha256, holder));
    throw new ContentBeingDroppedError(artifactKey);
  }
}

/** After the release was recorded (an accepted release is itself a reference) or the job gave up. */
export async function letGoOfContent(deps: Pick<WorkerDeps, 'state'>, artifactKey: string, holder: string) {
  const sha256 = sha256Of(artifactKey);
  if (sha256) await deps.state.delete(ref(sha256, holder));
}

/**
 * A rejected content-addressed upload: delete it, unless another ingest holds it or an app accepted the very
 * same bytes (another app's release may pass where this app's release name did not).
 */
export async function dropRejectedContent(
  deps: Pick<WorkerDeps, 'state' | 'clock' | 'artifacts' | 'config'>,
  artifactKey: string,
  holder: string,
): Promise<void> {
  const sha256 = sha256Of(artifactKey);
  if (!sha256) return;
  await deps.state.put(marker(sha256, holder), { at: deps.clock.now().toISOString() });
  try {
    await deps.state.delete(ref(sha256, holder));
    const refs = await deps.state.query<{ at: string }>(`content#${sha256}`, { prefix: 'ref#' });
    if (refs.some((item) => fresh(deps, item.value.at))) return;
    for (const app of Object.keys(deps.config.apps)) {
      const release = await deps.state.get<Release>(keys.release(app, sha256));
      if (release?.value.status === 'accepted') return;
    }
    await deps.artifacts.delete(artifactKey);
  } finally {
    await deps.state.delete(marker(sha256, holder));
  }
}
