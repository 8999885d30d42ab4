import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const MiB = 1024 * 1024;
const FILES_PER_DIR = 16;

/**
 * Write a release-shaped `hello-1.0.0.tar.gz` of about `bytes` bytes into `dir`: `bin/hello`,
 * `releases/1.0.0/hello.rel` and friends, and `lib/blob_N-1.0.0/priv/*.bin` files of random bytes (1 MiB
 * each) so that gzip cannot shrink it — the checker's ratio rule sees ~1:1. GNU tar and `gzip -1` pack it;
 * the source tree is deleted afterwards. Returns the tarball's path.
 */
export function writeReleaseTarball(dir: string, bytes: number): string {
  const src = join(dir, 'src');
  const out = join(dir, `hello-1.0.0-${Math.round(bytes / MiB)}m.tar.gz`);
  mkdirSync(join(src, 'bin'), { recursive: true });
  mkdirSync(join(src, 'releases', '1.0.0'), { recursive: true });
  writeFileSync(join(src, 'bin', 'hello'), '#!/bin/sh\nexec "$(dirname "$0")/../erts/bin/erl" "$@"\n', { mode: 0o755 });
  writeFileSync(join(src, 'releases', '1.0.0', 'hello.rel'), '{release,{"hello","1.0.0"},{erts,"15.0"},[]}.\n');
  writeFileSync(join(src, 'releases', '1.0.0', 'vm.args'), '-name hello@127.0.0.1\n');
  writeFileSync(join(src, 'releases', 'start_erl.data'), '15.0 1.0.0\n');
  const chunk = Buffer.allocUnsafe(MiB);
  const files = Math.max(1, Math.round(bytes / MiB));
  for (let i = 0; i < files; i++) {
    const folder = join(src, 'lib', `blob_${Math.floor(i / FILES_PER_DIR)}-1.0.0`, 'priv');
    if (i % FILES_PER_DIR === 0) mkdirSync(folder, { recursive: true });
    const fd = openSync(join(folder, `part_${i}.bin`), 'w', 0o644);
    writeSync(fd, randomFillSync(chunk));
    closeSync(fd);
  }
  const packed = spawnSync(
    'bash',
    [
      '-o',
      'pipefail',
      '-c',
      'tar -C "$1" --owner=0 --group=0 -cf - bin releases lib | gzip -1 > "$2"',
      'tar',
      src,
      out,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  rmSync(src, { recursive: true, force: true });
  if (packed.status !== 0) throw new Error(`tar | gzip failed: ${packed.stderr.toString()}`);
  return out;
}

/** Size of a file in MB (10^6 bytes, the unit throughput is printed in). */
export function sizeMB(path: string): number {
  return statSync(path).size / 1e6;
}
