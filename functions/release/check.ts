import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ReleaseNeeds } from '../core/compat';
import { RefusedEntry, refuse } from './errors';
import { TarInspector } from './inspect';
import { DEFAULT_RELEASE_LIMITS, type ReleaseLimits } from './limits';

export interface CheckOptions extends Partial<ReleaseLimits> {
  /** When given, the archive must hold `bin/<releaseName>`. */
  readonly releaseName?: string | undefined;
}

export type CheckResult =
  | {
      readonly ok: true;
      /** Hex sha256 of the compressed bytes, as stored. */
      readonly sha256: string;
      /** Compressed size in bytes. */
      readonly size: number;
      readonly entries: number;
      readonly releaseName: string;
      readonly version: string;
      /** What the release needs from a host: architecture, glibc, ERTS or OTP (recorded at ingest). */
      readonly needs: ReleaseNeeds;
    }
  | { readonly ok: false; readonly entry: string; readonly reason: string };

/** Output chunk of the inflater (zlib's default is 16 KiB). */
const INFLATE_CHUNK_BYTES = 4 * 1024 * 1024;
/** Compressed bytes gathered into one write to the inflater (sources hand over 16–64 KiB at a time). */
const INFLATE_INPUT_BYTES = 1024 * 1024;

/** Read size for a tarball on disk (fs streams read 64 KiB by default: one thread-pool round trip each). */
export const RELEASE_READ_BYTES = 1024 * 1024;

/** A tarball on disk as checkRelease reads it best: in 1 MiB reads. */
export const releaseFile = (path: string) => createReadStream(path, { highWaterMark: RELEASE_READ_BYTES });

const defined = <T extends object>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * Decide whether a `.tar.gz` is a safe OTP release, reading the stream exactly once and extracting nothing:
 * sha256 of the compressed bytes, gunzip with size and ratio bounds, and every entry checked before the
 * next is read. Resolves to the first offending entry and why, or to the release's name and version.
 * A pure stream consumer: the CLI feeds it a file, the ingest job an artifact-store stream.
 *
 * @example
 * const result = await checkRelease(releaseFile('hello-1.4.2.tar.gz'), { releaseName: 'hello' });
 * if (!result.ok) console.error(`${result.entry}: ${result.reason}`);
 */
export async function checkRelease(
  source: AsyncIterable<Uint8Array> | NodeJS.ReadableStream,
  options: CheckOptions = {},
): Promise<CheckResult> {
  const { releaseName, ...limits } = options;
  const inspector = new TarInspector({ ...DEFAULT_RELEASE_LIMITS, ...defined(limits) }, releaseName);
  const hash = createHash('sha256');
  // Big chunks both ways: each write and each output chunk is a round trip to the thread pool that inflates,
  // and on a busy machine each round trip waits to be scheduled; 64 KiB in and out spent more time in those
  // hand-overs than in inflating (gzip -dc never waits: one thread, reads from the page cache).
  const gunzip = createGunzip({ chunkSize: INFLATE_CHUNK_BYTES });
  let size = 0;
  try {
    await pipeline(
      source as AsyncIterable<Uint8Array>,
      async function* tap(chunks: AsyncIterable<Uint8Array>) {
        for await (const batch of batches(chunks, INFLATE_INPUT_BYTES)) {
          hash.update(batch);
          size += batch.length;
          inspector.compressed = size;
          yield batch;
        }
      },
      gunzip,
      async (plain: AsyncIterable<Buffer>) => {
        for await (const chunk of plain) inspector.push(chunk);
      },
    );
    if (gunzip.bytesWritten !== size) refuse('(archive)', 'data after the end of the gzip stream');
    const shape = inspector.end();
    return { ok: true, sha256: hash.digest('hex'), size, ...shape };
  } catch (error) {
    if (error instanceof RefusedEntry) return { ok: false, entry: error.entry, reason: error.reason };
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      return { ok: false, entry: '(archive)', reason: `not a valid gzip stream: ${(error as Error).message}` };
    }
    throw error;
  }
}

/** The source's chunks gathered into chunks of at least `bytes` (the last one may be shorter). */
async function* batches(chunks: AsyncIterable<Uint8Array>, bytes: number): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    length += chunk.length;
    if (length < bytes) continue;
    yield parts.length === 1 ? chunk : Buffer.concat(parts, length);
    parts = [];
    length = 0;
  }
  if (length > 0) yield Buffer.concat(parts, length);
}
