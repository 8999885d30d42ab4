import type { ReleaseNeeds } from './compat';
import { TarmacError } from './errors';

/** A stored, validated release tarball. The same tarball (same sha256) can be promoted across environments. */
export interface Release {
  readonly app: string;
  readonly version: string;
  /** Hex sha256 of the tarball bytes. */
  readonly sha256: string;
  readonly size: number;
  /** `<version>-<first 12 hex of sha256>`: readable, and distinct when a version is rebuilt. */
  readonly id: string;
  /** Artifact store key of the tarball. */
  readonly artifactKey: string;
  readonly gitSha?: string | undefined;
  readonly branch?: string | undefined;
  readonly uploadedBy: string;
  readonly createdAt: string;
  readonly status: 'accepted' | 'rejected';
  readonly rejection?: string | undefined;
  /** Rejected: the archive entry the checker refused (`(archive)` for the stream as a whole). */
  readonly rejectedEntry?: string | undefined;
  /** Accepted: what it needs from a host (absent on releases recorded before tarmac read it). */
  readonly needs?: ReleaseNeeds | undefined;
  /** Accepted: what the push warned about (hosts of the app's fleet that cannot run it, as known then). */
  readonly warnings?: readonly string[] | undefined;
}

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const SHA256 = /^[0-9a-f]{64}$/;

export class InvalidVersionError extends TarmacError {
  constructor(version: string) {
    super(`version "${version}" is not valid — use letters, digits, . _ + - (≤ 64, e.g. 1.4.2 or 1.4.2+abc123)`, {
      version,
    });
    this.name = 'InvalidVersionError';
  }
}

export function assertVersion(version: string): string {
  if (!VERSION.test(version)) throw new InvalidVersionError(version);
  return version;
}

/** The release id used on hosts: `releases/<id>`. */
export function releaseId(version: string, sha256: string): string {
  assertVersion(version);
  if (!SHA256.test(sha256)) throw new TarmacError(`sha256 "${sha256}" is not 64 lowercase hex digits`, { sha256 });
  return `${version}-${sha256.slice(0, 12)}`;
}

/** Content-addressed artifact key of a tarball. */
export function contentKey(sha256: string): string {
  return `sha256/${sha256}`;
}
