import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TarmacError } from '../../../core/errors';
import { SHARED_MOUNT } from '../../../hosts/boot';
import { copyArtifact, type PathCapableStore } from './host-files';

export interface ReleaseSource {
  readonly artifactKey: string;
  readonly sha256: string;
}

/**
 * Returns a function that, given a bundle's `tarmac/release.json`, copies the release tarball to the shared
 * directory its `file://` URL names (once per deployment; a file already there is kept: names carry the
 * sha256, and AfterInstall verifies it anyway). `s3://` URLs are left to the hosts.
 */
export function releaseProvider(store: PathCapableStore, sharedDir: string, release: ReleaseSource) {
  let pending: Promise<void> | undefined;
  return (releaseJson: string): Promise<void> => {
    pending ??= provide(store, sharedDir, release, releaseJson);
    return pending;
  };
}

async function provide(store: PathCapableStore, sharedDir: string, release: ReleaseSource, text: string) {
  const { url, sha256 } = JSON.parse(text) as { url: string; sha256: string };
  if (sha256 !== release.sha256) {
    throw new TarmacError(
      `bundle installs release ${sha256}, but the plan says ${release.sha256} — re-render the bundle`,
      {
        bundle: sha256,
        plan: release.sha256,
      },
    );
  }
  const prefix = `file://${SHARED_MOUNT}/`;
  if (!url.startsWith(prefix)) return;
  const relative = url.slice(prefix.length);
  if (relative.split('/').some((segment) => segment === '..' || segment === '')) {
    throw new TarmacError(`release URL ${url} leaves the shared directory`, { url });
  }
  const dest = join(sharedDir, relative);
  if (existsSync(dest)) return;
  await mkdir(dirname(dest), { recursive: true });
  // Two deployments of one release (staging and production) may copy at once: each to its own temp file.
  const tmp = `${dest}.${randomUUID()}.tmp`;
  await copyArtifact(store, release.artifactKey, tmp);
  await rename(tmp, dest);
}
