import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkRelease } from '../../../functions/release/check';
import { RefusedEntry } from '../../../functions/release/errors';
import { TarInspector } from '../../../functions/release/inspect';
import { DEFAULT_RELEASE_LIMITS } from '../../../functions/release/limits';
import { chunked, RELEASE, releaseWith, tgz } from '../../support/hostile-tarballs';
import { HOSTILE } from './cases';

/** The verdict of the tar readers alone over the uncompressed bytes, handed over `size` bytes at a time. */
function inspect(archive: Buffer, tar: Buffer, size: number) {
  const inspector = new TarInspector(DEFAULT_RELEASE_LIMITS);
  inspector.compressed = archive.length;
  try {
    for (let at = 0; at < tar.length; at += size) inspector.push(tar.subarray(at, at + size));
    const { releaseName, version, entries } = inspector.end();
    return { ok: true, releaseName, version, entries };
  } catch (error) {
    if (!(error instanceof RefusedEntry)) throw error;
    // node-tar's own messages count the bytes it still needed, which depends on the chunk it stopped in.
    return {
      ok: false,
      entry: error.entry,
      reason: error.reason.replace(/\d+ more bytes, only \d+/, 'N more bytes, only M'),
    };
  }
}

// The checker hands the tar readers whatever chunks the inflater produces (megabytes, or a few bytes at the end
// of a stream); the framing skips bodies in one step and carries a block begun in one chunk into the next. The
// verdict must not depend on where the chunks end.
describe('TarInspector over any chunking', () => {
  const cases = [
    { name: 'the release', archive: () => tgz(RELEASE) },
    {
      name: 'a release with bodies of many blocks',
      archive: () =>
        releaseWith(
          { path: 'lib/hello-1.4.2/priv/big', body: 'z'.repeat(5000) },
          { path: 'lib/hello-1.4.2/priv/odd', body: 'q'.repeat(1537) },
        ),
    },
    ...HOSTILE.filter((hostile) => hostile.name !== 'not gzip'),
  ];
  for (const { name, archive } of cases) {
    it(`gives one verdict on ${name}, whatever the chunk size`, async () => {
      const bytes = archive();
      const tar = gunzipSync(bytes);
      const whole = inspect(bytes, tar, tar.length);
      const checked = await checkRelease(chunked(bytes, 65536));
      expect(whole).toMatchObject(
        checked.ok ? { ok: true, version: checked.version } : { ok: false, entry: checked.entry },
      );
      for (const size of [1, 100, 511, 513, 4096 + 7]) {
        if (size < 100 && tar.length > 100_000) continue; // the gzip bomb a byte at a time: minutes
        expect(inspect(bytes, tar, size), `chunks of ${size} bytes`).toEqual(whole);
      }
    });
  }
});
