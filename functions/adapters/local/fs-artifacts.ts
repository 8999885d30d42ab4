import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ArtifactNotFoundError, ArtifactTooLargeError, TarmacError } from '../../core/errors';
import type { ArtifactStore, ByteStream, PutOptions, StoredObject } from '../../ports';

/** Each path segment: starts with a letter, digit or `_` (so `.`, `..` and the store's dot-folders are out). */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._+=@,-]*$/;

/** What `head` needs without re-reading the object; `ino` ties it to the exact file it describes. */
interface Meta {
  readonly sha256: string;
  readonly size: number;
  readonly ino: number;
}

/**
 * Artifacts as files under one directory: `<dir>/<key>`, plus `<dir>/.meta/<key>.json` (sha256, size) and
 * `<dir>/.tmp/` for uploads in progress. A put streams into a temporary file on the same filesystem while
 * hashing, fsyncs, then renames into place, so a reader sees the whole object or nothing.
 */
export class FsArtifactStore implements ArtifactStore {
  constructor(private readonly dir: string) {
    mkdirSync(join(dir, '.tmp'), { recursive: true });
    mkdirSync(join(dir, '.meta'), { recursive: true });
  }

  async put(body: ByteStream, options: PutOptions = {}): Promise<StoredObject> {
    if (options.key !== undefined) this.pathOf(options.key);
    const tmp = join(this.dir, '.tmp', randomBytes(12).toString('hex'));
    try {
      const { sha256, size, ino } = await writeHashed(tmp, body, options.maxBytes);
      const key = options.key ?? `sha256/${sha256}`;
      const path = this.pathOf(key);
      await mkdir(dirname(path), { recursive: true });
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
    return handle.createReadStream();
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
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, JSON.stringify(meta));
    await rename(tmp, path);
  }
}

/** Stream `body` into `file`, hashing as it goes; abort (leaving the caller to remove `file`) past `maxBytes`. */
async function writeHashed(file: string, body: ByteStream, maxBytes?: number): Promise<Meta> {
  const hash = createHash('sha256');
  const handle = await open(file, 'wx');
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.byteLength;
      // Leaving the loop early calls the body's return(): a Node stream is destroyed, a generator finishes.
      if (maxBytes !== undefined && size > maxBytes) throw new ArtifactTooLargeError(maxBytes);
      hash.update(chunk);
      await handle.write(chunk);
    }
    await handle.sync();
    const { ino } = await handle.stat();
    return { sha256: hash.digest('hex'), size, ino };
  } finally {
    await handle.close();
  }
}

async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  let size = 0;
  try {
    for await (const chunk of handle.createReadStream({ autoClose: false }) as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      hash.update(chunk);
    }
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest('hex'), size };
}

/** Make a rename durable: fsync the directory that holds the new name. */
async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
