import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../functions/cli/main';
import { memoryOutput } from '../../../functions/cli/output';
import { RELEASE, releaseWith, tgz } from '../../support/hostile-tarballs';

const scratch = mkdtempSync(join(tmpdir(), 'tarmac-release-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const example = new URL('../../../examples/tarmac.yml', import.meta.url).pathname;

function file(name: string, bytes: Buffer): string {
  const path = join(scratch, name);
  writeFileSync(path, bytes);
  return path;
}

describe('tarmac release check', () => {
  it('exits 0 on a safe release', async () => {
    const out = memoryOutput();
    expect(await main(['node', 'tarmac', 'release', 'check', file('good.tgz', tgz(RELEASE))], out)).toBe(0);
    expect(out.out.join('')).toMatch(/ok — release hello 1\.4\.2, 9 entries/);
  });

  it('fails with exit 1 naming the offending entry and why', async () => {
    const out = memoryOutput();
    const bad = file('bad.tgz', releaseWith({ path: 'lib/x', type: '2', linkpath: '/etc/shadow' }));
    expect(await main(['node', 'tarmac', 'release', 'check', bad], out)).toBe(1);
    expect(out.err.join('')).toBe(`${bad}: refused — lib/x: symlink to absolute path /etc/shadow\n`);
  });
});

describe('tarmac render', () => {
  it('writes the bundle of a checked release, pointing hosts at the local tarball and secret store', async () => {
    const out = memoryOutput();
    const tarball = file('hello.tgz', tgz(RELEASE));
    const dir = join(scratch, 'bundle');
    const argv = ['--config', example, '--data', join(scratch, 'data'), 'render', 'hello', 'staging'];
    expect(await main(['node', 'tarmac', ...argv, '--release', tarball, '--out', dir], out)).toBe(0);
    const env = readFileSync(join(dir, 'tarmac/instance.env'), 'utf8');
    expect(env).toContain(`TARMAC_RELEASE_URL='file://${tarball}'`);
    expect(env).toContain(`TARMAC_SECRETS_PATH='${join(scratch, 'data/secrets/hello/staging')}'`);
    expect(env).toMatch(/^TARMAC_RELEASE_ID='1\.4\.2-[0-9a-f]{12}'$/m);
  });

  it('fails without writing anything when the release is unsafe', async () => {
    const out = memoryOutput();
    const tarball = file('evil.tgz', releaseWith({ path: '../x', body: 'x' }));
    const argv = [
      '--config',
      example,
      'render',
      'hello',
      'staging',
      '--release',
      tarball,
      '--out',
      join(scratch, 'no'),
    ];
    expect(await main(['node', 'tarmac', ...argv], out)).toBe(1);
    expect(out.err.join('')).toMatch(/release refused — \.\.\/x: '\.\.' segment/);
    expect(() => readFileSync(join(scratch, 'no/appspec.yml'))).toThrow(/ENOENT/);
  });
});
