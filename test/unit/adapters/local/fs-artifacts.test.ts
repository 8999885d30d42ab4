import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../../../functions/adapters/local/fs-artifacts';
import { ArtifactNotFoundError } from '../../../../functions/core/errors';
import { chunks } from '../../../contract/artifacts.contract';

describe('FsArtifactStore', () => {
  let dir: string;
  let store: FsArtifactStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tarmac-artifacts-'));
    store = new FsArtifactStore(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps each object as a plain file at pathOf(key), for the local deployer to copy', async () => {
    const stored = await store.put(chunks('tar', 'ball'), { key: 'releases/hello/1.2.3+build.tar.gz' });
    expect(store.pathOf(stored.key)).toBe(join(dir, 'releases', 'hello', '1.2.3+build.tar.gz'));
    expect(readFileSync(store.pathOf(stored.key), 'utf8')).toBe('tarball');
  });

  it('fails on keys that are not plain relative paths, naming the key', () => {
    for (const key of ['', '/abs', 'a//b', 'a/./b', 'a/../b', '..', '.tmp/x', '.meta/y', 'a/', 'sp ace', 'a\\b']) {
      expect(() => store.pathOf(key), key).toThrow(`"${key}"`);
    }
  });

  it('leaves no temporary file when the body fails midway, and passes the error on', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('partial');
      throw new Error('connection reset');
    }
    await expect(store.put(broken(), { key: 'uploads/x' })).rejects.toThrow('connection reset');
    expect(readdirSync(join(dir, '.tmp'))).toEqual([]);
    expect(await store.head('uploads/x')).toBeUndefined();
  });

  it('rebuilds sha256 and size in head when the file changed behind its record', async () => {
    await store.put(chunks('old'), { key: 'bundles/b.tgz' });
    writeFileSync(store.pathOf('bundles/b.tgz'), 'replaced by hand');
    const sha256 = createHash('sha256').update('replaced by hand').digest('hex');
    expect(await store.head('bundles/b.tgz')).toEqual({ key: 'bundles/b.tgz', sha256, size: 16 });
    rmSync(join(dir, '.meta'), { recursive: true });
    expect(await store.head('bundles/b.tgz')).toMatchObject({ sha256 });
  });

  it('sweeps temporary files older than a day when it opens, keeping recent ones', () => {
    writeFileSync(join(dir, '.tmp', 'crashed'), 'half an upload');
    writeFileSync(join(dir, '.tmp', 'live'), 'an upload in progress');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(join(dir, '.tmp', 'crashed'), twoDaysAgo, twoDaysAgo);
    new FsArtifactStore(dir);
    expect(readdirSync(join(dir, '.tmp'))).toEqual(['live']);
  });

  it('treats a key prefix (a folder here) as missing', async () => {
    await store.put(chunks('x'));
    expect(await store.head('sha256')).toBeUndefined();
    await expect(store.get('sha256')).rejects.toBeInstanceOf(ArtifactNotFoundError);
  });
});
