import { TarmacError } from '../../../core/errors';
import type { Hosts } from '../../../hosts/manager';
import { type PathCapableStore, uploadArtifact } from './host-files';
import { releaseFile } from './paths';

export interface ReleaseSource {
  readonly artifactKey: string;
  readonly sha256: string;
}

/** Where a host may receive a release: under the agent's own root, never anywhere else a bundle names. */
const AGENT_ROOT = '/var/lib/tarmac-agent/';

/**
 * Returns a function that, given a host and its bundle's `tarmac/release.json`, uploads the release tarball
 * to the path its `file://` URL names on that host — once per host: a file with the same sha256 already
 * there is kept (`present`: the host said so while preparing, nothing is sent), and the host checks the sha256 of what it received (AfterInstall checks it again).
 * `s3://` URLs are left to the hosts.
 */
export function releaseProvider(hosts: Hosts, store: PathCapableStore, release: ReleaseSource) {
  return async (host: string, releaseJson: string, present = false): Promise<void> => {
    const { url, sha256 } = JSON.parse(releaseJson) as { url: string; sha256: string };
    if (sha256 !== release.sha256) {
      throw new TarmacError(
        `bundle installs release ${sha256}, but the plan says ${release.sha256} — re-render the bundle`,
        { bundle: sha256, plan: release.sha256 },
      );
    }
    if (!url.startsWith('file://')) return;
    const path = url.slice('file://'.length);
    if (!path.startsWith(AGENT_ROOT) || path.split('/').some((segment) => segment === '..')) {
      throw new TarmacError(`release URL ${url} is not under ${AGENT_ROOT} — re-render the bundle`, { url });
    }
    // Already there (the host checked its sha256 while preparing): nothing to send.
    if (present && path === releaseFile(release.sha256)) return;
    await uploadArtifact(hosts, host, store, release.artifactKey, path, release.sha256);
  };
}
