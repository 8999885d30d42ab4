/** Bounds a release tarball must stay within. The checker (ingest, CLI) and the host-side validator use them. */
export interface ReleaseLimits {
  /** Total uncompressed bytes of the tar stream. */
  readonly maxBytes: number;
  /** Number of entries (files, directories, links). */
  readonly maxEntries: number;
  /** Path segments of the deepest entry (`a/b/c` has depth 3). */
  readonly maxDepth: number;
  /** Uncompressed ÷ compressed bytes; real releases compress 3–5:1, deflate bombs reach ~1000:1. */
  readonly maxRatio: number;
}

/**
 * Defaults sized for Elixir/OTP releases with ERTS included (typically 20–80 MB uncompressed, 2–6k entries,
 * depth ≤ 12).
 */
export const DEFAULT_RELEASE_LIMITS: ReleaseLimits = {
  maxBytes: 2 * 1024 ** 3,
  maxEntries: 100_000,
  maxDepth: 32,
  maxRatio: 100,
};

/** The ratio is only judged past this many uncompressed bytes: tiny archives of headers compress very well. */
export const RATIO_GRACE_BYTES = 8 * 1024 * 1024;
