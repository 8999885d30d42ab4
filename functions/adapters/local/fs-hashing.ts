import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { ArtifactTooLargeError } from '../../core/errors';
import type { ByteStream } from '../../ports';

/** What `head` needs without re-reading the object; `ino` ties it to the exact file it describes. */
export interface Meta {
  readonly sha256: string;
  readonly size: number;
  readonly ino: number;
}

/** Stream `body` into `file`, hashing as it goes; abort (leaving the caller to remove `file`) past `maxBytes`. */
export async function writeHashed(file: string, body: ByteStream, maxBytes?: number): Promise<Meta> {
  const hash = createHash('sha256');
  const handle = await open(file, 'wx', 0o600); // owner-only, like everything under the data dir
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

export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
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
export async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
