import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RELEASE, tgz } from '../../support/hostile-tarballs';
import { HOSTILE } from '../release/cases';

const validator = new URL('../../../functions/bundle/templates/tarball.py', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'tarmac-validator-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Run AfterInstall's validator/extractor on an archive inside a fresh directory; report what it left there. */
async function extract(name: string, archive: Buffer, ...extra: string[]) {
  const dir = join(scratch, name.replace(/[^a-z0-9]+/gi, '-'));
  mkdirSync(dir);
  const file = join(dir, 'release.tar.gz');
  writeFileSync(file, archive);
  const args = [validator, 'extract', file, join(dir, 'release'), '--release-name', 'hello', ...extra];
  const child = spawn('python3', args);
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

  it('unpacks only the release ingest accepted: another sha256 is refused, and nothing is left', async () => {
    const archive = tgz(RELEASE);
    const sha256 = createHash('sha256').update(archive).digest('hex');
    const good = await extract('sha-good', archive, '--sha256', sha256);
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    expect(readdirSync(join(good.dir, 'release')).sort()).toEqual(['bin', 'lib', 'releases']);
    const other = '0'.repeat(64);
    const bad = await extract('sha-bad', archive, '--sha256', other);
    expect(bad.stderr).toBe(
      `refused: (archive): sha256 is ${sha256}, expected ${other} (not the release that was accepted)\n`,
    );
    expect(bad.status).toBe(1);
    expect(readdirSync(bad.dir)).toEqual(['release.tar.gz']);
  });

  it('checks the unpacked tree on disk: link targets as validated, and every link resolving inside', () => {
    // What GNU tar wrote is compared with what was validated (python3 -B: no bytecode next to the template).
    const dir = join(scratch, 'on-disk');
    mkdirSync(dir);
    writeFileSync(join(dir, 'release.tar.gz'), tgz(RELEASE));
    const script = `
import os, subprocess, sys
sys.path.insert(0, sys.argv[1])
import tarball
def attempt(tree, dest):
    try:
        tarball.verify_on_disk(dest, tree)
        print("accepted")
    except tarball.Refused as refusal:
        print(f"refused: {refusal}")
class Limits: max_bytes, max_entries, max_depth, max_ratio = 1 << 30, 1000, 32, 100
tree = tarball.validate(sys.argv[2], Limits, "hello")
dest = os.path.join(sys.argv[3], "root")
os.mkdir(dest)
subprocess.run(["tar", "-xzf", sys.argv[2], "-C", dest], check=True)
attempt(tree, dest)
link = os.path.join(dest, "lib/hello-1.4.2/priv/static")
os.remove(link); os.symlink("/etc", link)
attempt(tree, dest)
os.remove(link); os.symlink("../../../../..", link)
tree.links["lib/hello-1.4.2/priv/static"] = "../../../../.."
attempt(tree, dest)
`;
    const result = spawnSync('python3', ['-B', '-c', script, dirname(validator), join(dir, 'release.tar.gz'), dir], {
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toEqual([
      'accepted',
      'refused: lib/hello-1.4.2/priv/static: unpacked link target /etc is not the validated one',
      `refused: lib/hello-1.4.2/priv/static: symlink resolves outside the release, to ${dirname(dir)}`,
    ]);
  });

  for (const hostile of HOSTILE) {
    // Each case is its own python3 process; run them side by side.
    it.concurrent(`refuses ${hostile.name} and leaves nothing behind`, async ({ expect }) => {
      const { status, stderr, dir } = await extract(hostile.name, hostile.archive());
      expect(stderr).toMatch(/^refused: /);
      const entry = hostile.entry;
      if (entry !== '(archive)' && entry !== 'bin/') expect(stderr).toContain(`refused: ${entry}:`);
      expect(stderr).toMatch(hostile.reason);
      expect(status).toBe(1);
      // tar only ever got the entries before the refused one (each checked against those before it), into
      // the fresh release dir, which is gone again: nothing else appeared.
      expect(readdirSync(dir)).toEqual(['release.tar.gz']);
    });
  }
});
