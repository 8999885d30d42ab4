import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RELEASE, tgz } from '../../support/hostile-tarballs';
import { HOSTILE } from '../release/cases';

const validator = new URL('../../../functions/bundle/templates/tarball.py', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'tarmac-validator-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Run AfterInstall's validator/extractor on an archive inside a fresh directory; report what it left there. */
async function extract(name: string, archive: Buffer) {
  const dir = join(scratch, name.replace(/[^a-z0-9]+/gi, '-'));
  mkdirSync(dir);
  const file = join(dir, 'release.tar.gz');
  writeFileSync(file, archive);
  const child = spawn('python3', [validator, 'extract', file, join(dir, 'release'), '--release-name', 'hello']);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const status = await new Promise<number | null>((done) => child.on('close', done));
  return { status, stdout, stderr, dir };
}

describe('the host-side validator (tarball.py) used by AfterInstall', () => {
  it('unpacks a release into the release dir exactly as listed, with no special bits', async () => {
    const { status, stdout, stderr, dir } = await extract('good', tgz(RELEASE));
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^ok: \d+ entries/);
    const release = join(dir, 'release');
    expect(readdirSync(release).sort()).toEqual(['bin', 'lib', 'releases']);
    expect(lstatSync(join(release, 'bin/hello')).mode & 0o7777).toBe(0o755);
    expect(readlinkSync(join(release, 'lib/hello-1.4.2/priv/static'))).toBe('../../hello-1.4.2/ebin');
  });

  for (const hostile of HOSTILE.filter((c) => c.hostSees !== false)) {
    // Each case is its own python3 process; run them side by side.
    it.concurrent(`refuses ${hostile.name} before writing anything`, async ({ expect }) => {
      const { status, stderr, dir } = await extract(hostile.name, hostile.archive());
      expect(stderr).toMatch(/^refused: /);
      const entry = hostile.hostEntry ?? hostile.entry;
      if (entry !== '(archive)' && entry !== 'bin/') expect(stderr).toContain(`refused: ${entry}:`);
      expect(status).toBe(1);
      // Refusal happens before extraction: the release dir was never created, nothing else appeared.
      expect(readdirSync(dir)).toEqual(['release.tar.gz']);
    });
  }
});
