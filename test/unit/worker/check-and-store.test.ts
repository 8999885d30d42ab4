import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../../functions/adapters/local';
import { checkAndStore } from '../../../functions/worker/check-and-store';
import { checkReleaseStream } from '../../../functions/worker/pack';
import { RELEASE, tgz } from '../../support/hostile-tarballs';

describe('checkAndStore: one read feeds the checker and the content-addressed copy', () => {
  let dir: string;
  let artifacts: FsArtifactStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tarmac-ingest-'));
    artifacts = new FsArtifactStore(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const upload = async (bytes: Buffer) =>
    (await artifacts.put(Readable.from([bytes]), { key: 'uploads/hello/1/x.tar.gz' })).key;
  const deps = () => ({ artifacts, checkRelease: checkReleaseStream });
  const contentKeys = () => (existsSync(join(dir, 'sha256')) ? readdirSync(join(dir, 'sha256')) : []);

  it('stores an accepted release under its sha256, the same digest the checker computed', async () => {
    const bytes = tgz([...RELEASE, { path: 'lib/data.bin', body: randomBytes(3 * 1024 * 1024) }]);
    const { check, stored } = await checkAndStore(deps(), await upload(bytes), 'hello');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(check).toMatchObject({ ok: true, sha256 });
    expect(stored).toEqual({ key: `sha256/${sha256}`, sha256, size: bytes.length });
  });

  it('leaves no copy of a rejected upload, even when the checker stops reading early', async () => {
    const bytes = tgz([
      ...RELEASE,
      { path: 'bin/evil', mode: 0o4755, body: 'x' },
      { path: 'lib/big.bin', body: randomBytes(4 * 1024 * 1024) },
    ]);
    const { check, stored } = await checkAndStore(deps(), await upload(bytes), 'hello');
    expect(check).toMatchObject({ ok: false, entry: 'bin/evil' });
    expect(stored).toBeUndefined();
    expect(contentKeys()).toEqual([]);
  });

  it('only checks an upload that is content-addressed already', async () => {
    const bytes = tgz([...RELEASE]);
    const key = (await artifacts.put(Readable.from([bytes]))).key;
    const { check, stored } = await checkAndStore(deps(), key, 'hello');
    expect(check.ok).toBe(true);
    expect(stored).toBeUndefined();
  });
});
