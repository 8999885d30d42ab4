import { createWriteStream } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { HostRecord } from '../../../hosts/manager';
import type { ArtifactStore } from '../../../ports';

/** An artifact store that can name the file behind a key (the local FsArtifactStore): copies skip a stream. */
export type PathCapableStore = ArtifactStore & { pathOf?(key: string): string };

/**
 * A path inside a host, seen from the machine through its PID 1's root. Only used under directories the
 * deployer created itself (root-only), so no host-made symlink sits on the way.
 */
export const inHost = (host: Pick<HostRecord, 'pid1'>, path: string) => `/proc/${host.pid1}/root${path}`;

/** Copy an artifact to a file on the machine (or, through {@link inHost}, into a host). */
export async function copyArtifact(store: PathCapableStore, key: string, dest: string): Promise<void> {
  if (store.pathOf) {
    await copyFile(store.pathOf(key), dest);
    return;
  }
  await pipeline(Readable.from(await store.get(key)), createWriteStream(dest, { mode: 0o600 }));
}

export const readText = (path: string) => readFile(path, 'utf8');

export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Write a file with a mode, replacing it (used for agent records and secret copies). */
export const writeText = (path: string, content: string, mode = 0o600) => writeFile(path, content, { mode });
