import { describe, expect, it } from 'vitest';
import { checkRelease } from '../../../functions/release/check';
import { chunked, RELEASE, releaseWith, tgz } from '../../support/hostile-tarballs';
import { HOSTILE } from './cases';

describe('checkRelease', () => {
  it('accepts a release-shaped archive, naming release and version and hashing the compressed bytes', async () => {
    const archive = tgz(RELEASE);
    const result = await checkRelease(chunked(archive, 100), { releaseName: 'hello' });
    const { createHash } = await import('node:crypto');
    expect(result).toEqual({
      ok: true,
      sha256: createHash('sha256').update(archive).digest('hex'),
      size: archive.length,
      entries: RELEASE.length,
      releaseName: 'hello',
      version: '1.4.2',
      // No erts-*/ and no native binaries in this archive: its .rel names ERTS 14.2, which OTP 26 ships.
      needs: { architectures: [], binaries: 0, erts: '14.2', ertsIncluded: false, otp: '26' },
    });
  });

  for (const hostile of HOSTILE) {
    it(`fails on ${hostile.name}, naming ${hostile.entry}`, async () => {
      const result = await checkRelease(chunked(hostile.archive(), 65536));
      expect(result).toMatchObject({ ok: false, entry: hostile.entry });
      expect(result.ok ? '' : result.reason).toMatch(hostile.reason);
    });
  }

  it('fails when the release name does not match bin/<name>', async () => {
    const result = await checkRelease(chunked(tgz(RELEASE)), { releaseName: 'other' });
    expect(result).toMatchObject({ ok: false, entry: 'bin/other' });
  });

  it('fails past the absolute size bound and the entry count bound', async () => {
    const big = releaseWith({ path: 'lib/big', body: 'q'.repeat(300_000) });
    expect(await checkRelease(chunked(big), { maxBytes: 200_000 })).toMatchObject({
      ok: false,
      entry: '(archive)',
      reason: 'uncompressed size exceeds 200000 bytes',
    });
    expect(await checkRelease(chunked(tgz(RELEASE)), { maxEntries: 5 })).toMatchObject({
      ok: false,
      reason: 'more than 5 entries',
    });
  });
});
