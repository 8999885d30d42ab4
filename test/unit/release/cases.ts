import { gzipSync } from 'node:zlib';
import { RELEASE, releaseWith, type TarEntry, tarBytes, tgz } from '../../support/hostile-tarballs';

export interface HostileCase {
  readonly name: string;
  readonly archive: () => Buffer;
  readonly entry: string;
  readonly reason: RegExp;
  /** The host-side validator reads PAX through Python's tarfile, which keeps no ustar name to compare. */
  readonly hostSees?: false;
  /** The entry the host-side validator names, when it differs (it reads PAX size as GNU tar does). */
  readonly hostEntry?: string;
}

const nested = Array.from({ length: 40 }, () => 'a').join('/');
const file = (path: string, extra: Partial<TarEntry> = {}): TarEntry => ({ path, body: 'x', ...extra });

/** Each hostile archive, the entry the checkers must name, and why. */
export const HOSTILE: readonly HostileCase[] = [
  {
    name: 'absolute path',
    archive: () => releaseWith(file('/etc/cron.d/x')),
    entry: '/etc/cron.d/x',
    reason: /absolute/,
  },
  { name: 'many-slash absolute path', archive: () => releaseWith(file('////x')), entry: '////x', reason: /absolute/ },
  { name: "'..' traversal", archive: () => releaseWith(file('lib/../../x')), entry: 'lib/../../x', reason: /'\.\.'/ },
  {
    name: 'symlink then a file through it',
    archive: () => releaseWith({ path: 'lib/out', type: '2', linkpath: '../../../etc' }, file('lib/out/passwd')),
    entry: 'lib/out/passwd',
    reason: /through the symlink lib\/out/,
  },
  {
    name: 'directory, then a same-named symlink, then a file through it',
    archive: () =>
      releaseWith({ path: 'tmp/', type: '5' }, { path: 'tmp', type: '2', linkpath: '/etc' }, file('tmp/passwd')),
    entry: 'tmp',
    reason: /duplicate/,
  },
  {
    name: 'symlink leaving the tree',
    archive: () => releaseWith({ path: 'lib/up', type: '2', linkpath: '../../..' }),
    entry: 'lib/up',
    reason: /leaves the tree/,
  },
  {
    name: 'symlink chain leaving the tree',
    archive: () =>
      releaseWith({ path: 'lib/a', type: '2', linkpath: '.' }, { path: 'lib/b', type: '2', linkpath: 'a/../..' }),
    entry: 'lib/b',
    reason: /leaves the tree/,
  },
  {
    name: 'hard link out of the tree',
    archive: () => releaseWith({ path: 'lib/shadow', type: '1', linkpath: '../../etc/shadow' }),
    entry: 'lib/shadow',
    reason: /hard link/,
  },
  {
    name: 'character device',
    archive: () => releaseWith({ path: 'dev/mem', type: '3' }),
    entry: 'dev/mem',
    reason: /device/i,
  },
  { name: 'FIFO', archive: () => releaseWith({ path: 'lib/pipe', type: '6' }), entry: 'lib/pipe', reason: /FIFO/ },
  {
    name: 'setuid binary',
    archive: () => releaseWith(file('bin/su', { mode: 0o4755 })),
    entry: 'bin/su',
    reason: /setuid/,
  },
  { name: 'depth bomb', archive: () => releaseWith(file(`${nested}/f`)), entry: `${nested}/f`, reason: /depth 41/ },
  {
    name: 'gzip bomb',
    archive: () => releaseWith(file('lib/zeros', { body: Buffer.alloc(24 * 1024 * 1024) })),
    entry: '(archive)',
    reason: /ratio/,
  },
  {
    name: 'long name',
    archive: () => releaseWith(file('lib/x', { pax: { path: `lib/x${'y'.repeat(300)}` } })),
    entry: `lib/x${'y'.repeat(300)}`,
    reason: /too long/,
  },
  {
    name: 'case collision',
    archive: () => releaseWith(file('bin/HELLO')),
    entry: 'bin/HELLO',
    reason: /collides with bin\/hello/,
  },
  {
    name: 'Unicode normalization collision',
    archive: () => releaseWith(file('lib/caf\u00e9'), file('lib/cafe\u0301')),
    entry: 'lib/cafe\u0301',
    reason: /collides/,
  },
  { name: 'duplicate path', archive: () => releaseWith(file('bin/hello')), entry: 'bin/hello', reason: /duplicate/ },
  {
    name: 'PAX path disagreeing with the ustar name',
    archive: () => releaseWith(file('lib/good', { pax: { path: 'lib/evil' } })),
    entry: 'lib/evil',
    reason: /disagrees/,
    hostSees: false,
  },
  {
    name: 'PAX size disagreeing with the ustar size',
    archive: () => releaseWith(file('lib/sized', { body: 'x'.repeat(600), pax: { size: '10' } })),
    entry: 'lib/sized',
    reason: /size/,
    hostEntry: '(archive)',
  },
  {
    name: 'data hidden after the end-of-archive marker',
    archive: () => tgz(RELEASE, tarBytes([file('lib/hidden')]).subarray(0, 1024)),
    entry: '(archive)',
    reason: /after the end-of-archive/,
  },
  {
    name: 'truncated archive',
    archive: () => gzipSync(tarBytes([...RELEASE, file('lib/big', { body: 'z'.repeat(5000) })]).subarray(0, -3000)),
    entry: '(archive)',
    reason: /truncated|Truncated|end-of-archive/,
  },
  { name: 'not gzip', archive: () => tarBytes(RELEASE), entry: '(archive)', reason: /gzip/ },
  {
    name: 'not shaped like a release',
    archive: () => tgz(RELEASE.filter((e) => !e.path.startsWith('bin'))),
    entry: 'bin/',
    reason: /release name|missing/,
  },
];
