import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ArtifactDigestError, ArtifactNotFoundError, TarmacError } from '../../core/errors';
import type { ArtifactStore, ByteStream, PutOptions, StoredObject } from '../../ports';
import { hashFile, type Meta, syncDir, writeHashed } from './fs-hashing';

/** Each path segment: starts with a letter, digit or `_` (so `.`, `..` and the store's dot-folders are out). */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._+=@,-]*$/;

/**
 * Artifacts as files under one directory: `<dir>/<key>`, plus `<dir>/.meta/<key>.json` (sha256, size) and
 * `<dir>/.tmp/` for uploads in progress. A put streams into a temporary file on the same filesystem while
 * hashing, fsyncs, then renames into place, so a reader sees the whole object or nothing — one write of the
 * bytes, straight into the content-addressed store when no key is given.
 */
export class FsArtifactStore implements ArtifactStore {
  constructor(private readonly dir: string) {
    mkdirSync(join(dir, '.tmp'), { recursive: true, mode: 0o700 });
    mkdirSync(join(dir, '.meta'), { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    sweepStale(join(dir, '.tmp'));
  }

  async put(body: ByteStream, options: PutOptions = {}): Promise<StoredObject> {
    if (options.key !== undefined) this.pathOf(options.key);
    const tmp = join(this.dir, '.tmp', randomBytes(12).toString('hex'));
    try {
      const { sha256, size, ino } = await writeHashed(tmp, body, options.maxBytes);
      // Checked before the rename: different bytes never reach (or replace) the declared key.
      if (options.sha256 !== undefined && sha256 !== options.sha256)
        throw new ArtifactDigestError(options.sha256, sha256);
      const key = options.key ?? `sha256/${sha256}`;
      const path = this.pathOf(key);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await rename(tmp, path);
      await syncDir(dirname(path));
      await this.writeMeta(key, { sha256, size, ino });
      return { key, sha256, size };
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<ByteStream> {
    const path = this.pathOf(key);
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw isMissing(error) ? new ArtifactNotFoundError(key) : error;
    });
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw new ArtifactNotFoundError(key); // a key prefix such as `sha256` is a folder here, not an object
    }
    // 1 MiB reads: the ingest check reads a whole tarball, and each read is a thread-pool round trip.
    return handle.createReadStream({ highWaterMark: 1024 * 1024 });
  }

  async head(key: string): Promise<StoredObject | undefined> {
    const path = this.pathOf(key);
    const info = await stat(path).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
    if (!info?.isFile()) return undefined;
    const meta = await this.readMeta(key);
    if (meta && meta.ino === info.ino && meta.size === info.size) return { key, sha256: meta.sha256, size: meta.size };
    // A crash between the two renames, or two puts racing on one key: trust the bytes, rebuild the record.
    const { sha256, size } = await hashFile(path);
    await this.writeMeta(key, { sha256, size, ino: info.ino });
    return { key, sha256, size };
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
    await rm(this.metaPathOf(key), { force: true });
  }

  /**
   * The file holding `key` (which may not exist yet), for the local deployer to copy into hosts.
   * Throws when the key is not a plain relative path of safe segments.
   */
  pathOf(key: string): string {
    const segments = key.split('/');
    if (key.length > 1024 || !segments.every((segment) => SEGMENT.test(segment))) {
      throw new TarmacError(
        `artifact key "${key}" is not valid — use relative segments of letters, digits and ._+=@,- separated by /` +
          ' (no leading dot, "..", empty segment or leading /)',
        { key },
      );
    }
    return join(this.dir, ...segments);
  }

  private metaPathOf(key: string): string {
    return `${join(this.dir, '.meta', ...key.split('/'))}.json`;
  }

  private async readMeta(key: string): Promise<Meta | undefined> {
    try {
      return JSON.parse(await readFile(this.metaPathOf(key), 'utf8')) as Meta;
    } catch {
      return undefined; // missing or torn: head() rebuilds it from the bytes
    }
  }

  private async writeMeta(key: string, meta: Meta): Promise<void> {
    const path = this.metaPathOf(key);
    const tmp = join(this.dir, '.tmp', `${randomBytes(12).toString('hex')}.json`);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(tmp, JSON.stringify(meta), { mode: 0o600 });
    await rename(tmp, path);
  }
}

/** Uploads cut short by a crashed process leave temporary files; a day is far longer than any live upload. */
function sweepStale(tmpDir: string): void {
  const dayAgo = Date.now() - 86_400_000;
  for (const name of readdirSync(tmpDir)) {
    const path = join(tmpDir, name);
    const modified = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
    if (modified !== undefined && modified < dayAgo) rmSync(path, { force: true });
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
