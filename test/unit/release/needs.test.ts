import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareVersions } from '../../../functions/core/compat';
import { checkRelease } from '../../../functions/release/check';
import { readElf } from '../../../functions/release/elf';
import { buildFixture } from '../../support/fixture';
import { foreignArchCopy } from '../../support/foreign-release';
import { chunked, RELEASE, releaseWith, tgz } from '../../support/hostile-tarballs';

// What a release needs from a host, read by the checker from the real fixture release's ERTS binaries and
// compared with what binutils (readelf) says about the same files.
const scratch = mkdtempSync(join(tmpdir(), 'tarmac-needs-'));
let tarball: string;
let tree: string;

beforeAll(() => {
  tarball = buildFixture()['1.0.0'];
  tree = join(scratch, 'tree');
  execFileSync('mkdir', ['-p', tree]);
  execFileSync('tar', ['-xzf', tarball, '-C', tree]);
}, 300_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** readelf's view of the ERTS binaries and the apps' native code: machine names and the highest GLIBC_ version needed. */
function readelfFacts(): { machines: Set<string>; glibc: string; elfCount: number } {
  const ertsBin = readdirSync(tree).find((d) => d.startsWith('erts-')) as string;
  const machines = new Set<string>();
  const versions: string[] = [];
  let elfCount = 0;
  // The checker reads ERTS's binaries and every app's priv/ (NIFs such as crypto's): the same files here.
  const privFiles = readdirSync(join(tree, 'lib')).flatMap((app) => {
    const priv = join(tree, 'lib', app, 'priv');
    return existsSync(priv) ? (readdirSync(priv, { recursive: true }) as string[]).map((f) => join(priv, f)) : [];
  });
  const files = [
    ...readdirSync(join(tree, ertsBin, 'bin')).map((name) => join(tree, ertsBin, 'bin', name)),
    ...privFiles,
  ];
  for (const file of files) {
    if (!statSync(file).isFile()) continue;
    let header: string;
    try {
      header = execFileSync('readelf', ['-h', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      continue; // a shell script
    }
    elfCount += 1;
    machines.add(/Machine:\s+(.*)/.exec(header)?.[1]?.trim() ?? '?');
    const v = execFileSync('readelf', ['-V', file], { encoding: 'utf8' });
    versions.push(...[...v.matchAll(/Name: GLIBC_(\d+(?:\.\d+)*)/g)].map((m) => m[1] as string));
  }
  return { machines, glibc: versions.sort(compareVersions).at(-1) as string, elfCount };
}

describe('what a release needs from a host, recorded by the checker', () => {
  it('reads the fixture: its architecture, the glibc its ERTS links against, and the ERTS it ships', async () => {
    const result = await checkRelease(createReadStream(tarball), { releaseName: 'hello' });
    if (!result.ok) throw new Error(result.reason);
    const facts = readelfFacts();
    const uname = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();
    expect(facts.machines.size).toBe(1);
    expect(result.needs).toEqual({
      architectures: [uname],
      libc: 'glibc',
      glibc: facts.glibc,
      ertsIncluded: true,
      erts: readdirSync(tree)
        .find((d) => d.startsWith('erts-'))
        ?.slice(5),
      binaries: facts.elfCount,
    });
  });

  it('records the architecture a rewritten copy claims, honestly', async () => {
    const copy = join(scratch, 'foreign.tar.gz');
    const rewritten = foreignArchCopy(tarball, copy);
    expect(rewritten.length).toBeGreaterThan(3);
    const result = await checkRelease(createReadStream(copy), { releaseName: 'hello' });
    expect(result.ok && result.needs).toMatchObject({ architectures: ['aarch64'], ertsIncluded: true });
  });

  it('without erts-*/ the OTP release comes from the .rel file, and non-ELF files under priv/ are ignored', async () => {
    const archive = releaseWith({ path: 'lib/hello-1.4.2/priv/notes.txt', body: 'x'.repeat(200) });
    const result = await checkRelease(chunked(archive, 100), { releaseName: 'hello' });
    expect(result.ok && result.needs).toEqual({
      architectures: [],
      binaries: 0,
      erts: '14.2',
      ertsIncluded: false,
      otp: '26',
    });
    expect((await checkRelease(chunked(tgz(RELEASE)))).ok).toBe(true);
  });
});

describe('readElf', () => {
  it('fails soft on a truncated or non-ELF file', () => {
    expect(readElf(Buffer.from('#!/bin/sh\necho hi\n'))).toBeUndefined();
    const head = Buffer.alloc(64);
    head.write('\x7fELF', 0, 'latin1');
    head[4] = 2;
    head[5] = 1;
    head.writeUInt16LE(62, 18);
    head.writeBigUInt64LE(10_000n, 0x20); // one program header, past the end of the file
    head.writeUInt16LE(56, 0x36);
    head.writeUInt16LE(1, 0x38);
    expect(readElf(head)).toBeUndefined();
  });
});
