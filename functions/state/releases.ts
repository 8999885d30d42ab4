import { TarmacError } from '../core/errors';
import type { Release } from '../core/releases';
import type { StateStore } from '../ports';
import { keys } from './keys';

/** Every release of an app, newest first. */
export async function listReleases(state: StateStore, app: string): Promise<Release[]> {
  const { pk, prefix } = keys.releasesOf(app);
  const items = await state.query<Release>(pk, { prefix });
  return items.map((i) => i.value).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export async function getRelease(state: StateStore, app: string, sha256: string): Promise<Release | undefined> {
  return (await state.get<Release>(keys.release(app, sha256)))?.value;
}

/**
 * Record a release once per tarball (create-only). Returns the stored release: the new one, or the one that
 * was already recorded for the same sha256 (a repeated build event changes nothing).
 */
export async function recordRelease(
  state: StateStore,
  release: Release,
): Promise<{ release: Release; created: boolean }> {
  const existing = await getRelease(state, release.app, release.sha256);
  if (existing) return { release: existing, created: false };
  try {
    await state.put(keys.release(release.app, release.sha256), release, { expectedVersion: null });
    return { release, created: true };
  } catch (error) {
    const raced = await getRelease(state, release.app, release.sha256);
    if (raced) return { release: raced, created: false };
    const { app, version, sha256 } = release;
    throw new TarmacError(`could not record release ${app} ${version}`, { app, version, sha256 }, { cause: error });
  }
}

/**
 * Resolve what a user typed to an accepted release: a version, a (prefix of a) git sha or tarball sha256,
 * or a branch (its newest build). No ref: the newest accepted release.
 */
export async function findRelease(state: StateStore, app: string, ref?: string): Promise<Release | undefined> {
  const accepted = (await listReleases(state, app)).filter((r) => r.status === 'accepted');
  if (!ref) return accepted[0];
  const lower = ref.toLowerCase();
  const isHex = /^[0-9a-f]{7,64}$/.test(lower);
  return (
    accepted.find((r) => r.version === ref) ??
    (isHex ? accepted.find((r) => r.gitSha?.startsWith(lower) || r.sha256.startsWith(lower)) : undefined) ??
    accepted.find((r) => r.branch === ref)
  );
}
