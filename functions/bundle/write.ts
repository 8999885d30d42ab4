import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { BundleInputError } from './errors';
import type { BundleFile } from './types';

/** Every bundle entry's mtime: fixed, so the same files always pack to the same bytes (and sha256). */
const EPOCH = new Date('2000-01-01T00:00:00Z');

function safeJoin(dir: string, path: string): string {
  const full = resolve(dir, path);
  if (path.startsWith('/') || !full.startsWith(resolve(dir) + sep)) {
    throw new BundleInputError(`bundle path "${path}" leaves the bundle directory`, { path });
  }
  return full;
}

/** Write a rendered bundle into `dir` (created if needed), each file with its mode, via temp file + rename. */
export async function writeBundle(dir: string, files: readonly BundleFile[]): Promise<void> {
  for (const file of files) {
    const target = safeJoin(dir, file.path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    const tmp = `${target}.tmp-${process.pid}`;
    await writeFile(tmp, file.content, { mode: file.mode });
    await chmod(tmp, file.mode); // the umask may have narrowed the mode given to writeFile
    await rename(tmp, target);
  }
}

function header(path: string, type: 'File' | 'Directory', mode: number, size: number): Buffer {
  const h = new Header({ path, type, mode, size, mtime: EPOCH, uid: 0, gid: 0, uname: 'root', gname: 'root' });
  const block = Buffer.alloc(512);
  h.encode(block, 0);
  return block;
}

/** The bundle as an uncompressed ustar archive: directories first, entries in path order, root-owned. */
export function tarBundle(files: readonly BundleFile[]): Buffer {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const dirs = [...new Set(sorted.flatMap((f) => ancestors(f.path)))].sort();
  const parts: Buffer[] = dirs.map((d) => header(`${d}/`, 'Directory', 0o755, 0));
  for (const file of sorted) {
    const body = Buffer.from(file.content, 'utf8');
    parts.push(
      header(file.path, 'File', file.mode, body.length),
      body,
      Buffer.alloc((512 - (body.length % 512)) % 512),
    );
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

function ancestors(path: string): string[] {
  const segments = path.split('/').slice(0, -1);
  return segments.map((_, i) => segments.slice(0, i + 1).join('/'));
}

/**
 * Pack a bundle as `.tgz` (what CodeDeploy downloads and extracts with `tar -zxpsf`). Deterministic: fixed
 * mtimes and owners, sorted entries, and a gzip header without a timestamp. Bundles are a few tens of KB,
 * so the archive is built in memory and handed out as one chunk.
 */
export function packBundle(files: readonly BundleFile[]): Readable {
  return Readable.from([gzipSync(tarBundle(files), { level: 9 })]);
}
