import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/** ELF e_machine of AArch64; the fixture is built for the machine's own architecture. */
export const EM_AARCH64 = 183;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

/**
 * A copy of a release tarball whose native binaries claim another CPU: every ELF file's e_machine is
 * rewritten (a release "built on another machine"), then the tree is packed again with GNU tar. The original
 * tarball and the machine are left as they were; only `out` and a temp dir (removed) are written.
 * Returns the paths (inside the release) of the rewritten binaries.
 */
export function foreignArchCopy(tarball: string, out: string, machine = EM_AARCH64): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-foreign-'));
  try {
    execFileSync('tar', ['-xzf', tarball, '-C', dir]);
    const rewritten: string[] = [];
    for (const file of files(dir)) {
      if (statSync(file).size < 64) continue;
      const bytes = readFileSync(file);
      if (bytes.readUInt32BE(0) !== 0x7f454c46) continue;
      // e_machine is the u16 at offset 18, in the file's byte order (EI_DATA: 1 little-, 2 big-endian).
      if (bytes[5] === 2) bytes.writeUInt16BE(machine, 18);
      else bytes.writeUInt16LE(machine, 18);
      writeFileSync(file, bytes);
      rewritten.push(relative(dir, file));
    }
    execFileSync('tar', ['-czf', out, '--owner=0', '--group=0', '-C', dir, ...readdirSync(dir)]);
    return rewritten;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
