import { gzipSync } from 'node:zlib';
import { RELEASE, releaseWith, type TarEntry, tarBytes, tgz } from '../../support/hostile-tarballs';

export interface HostileCase {
  readonly name: string;
  readonly archive: () => Buffer;
  readonly entry: string;
  readonly reason: RegExp;
}

const nested = Array.from({ length: 40 }, () => 'a').join('/');
const file = (path: string, extra: Partial<TarEntry> = {}): TarEntry => ({ path, body: 'x', ...extra });

const link = (path: string, linkpath: string, extra: Partial<TarEntry> = {}): TarEntry => ({
  path,
  type: '2',
  linkpath,
  ...extra,
});
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

/**
 * Each hostile archive, the entry the checkers must name, and why: ONE corpus, run against both the ingest
 * checker (check.test.ts) and the host-side validator (tarball-validator.test.ts), which refuse the same set.
 */
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
  },
  {
    name: 'PAX size disagreeing with the ustar size',
    archive: () => releaseWith(file('lib/sized', { body: 'x'.repeat(600), pax: { size: '10' } })),
    entry: 'lib/sized',
    reason: /size/,
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
  // What GNU tar and another reader would read differently: refused, never interpreted.
  {
    name: 'NUL in a PAX linkpath (GNU tar cuts the target there)',
    // Python's tarfile keeps `../..<NUL>` (a last segment named `..<NUL>`: inside); GNU tar writes `../..`.
    archive: () => releaseWith(link('lib/l', '../..', { pax: { linkpath: '../..\0' } })),
    entry: 'lib/l',
    reason: /control character \\x00 in the link target/,
  },
  {
    name: 'GNU long link followed by a PAX linkpath',
    archive: () =>
      releaseWith(
        // Python's tarfile reads the K record (inside); GNU tar writes the PAX linkpath (out to /etc).
        link('lib/l', 'hello-1.4.2', {
          records: [{ type: 'K', data: 'hello-1.4.2/ebin' }],
          pax: { linkpath: '../../../../../etc' },
        }),
      ),
    entry: 'lib/l',
    reason: /conflicting GNU and PAX records for the link target/,
  },
  {
    name: 'GNU long name and a PAX path for one entry',
    archive: () => releaseWith(file('lib/x', { records: [{ type: 'L', data: 'lib/xa' }], pax: { path: 'lib/xb' } })),
    entry: 'lib/x',
    reason: /conflicting GNU and PAX records for the name/,
  },
  {
    name: 'two PAX headers before one entry',
    archive: () =>
      releaseWith(file('lib/x', { records: [{ type: 'x', data: { path: 'lib/xa' } }], pax: { path: 'lib/xb' } })),
    entry: '(archive)',
    reason: /two 'x' records/,
  },
  {
    name: 'NUL inside a GNU long name record',
    archive: () => releaseWith(file('lib/x', { records: [{ type: 'L', data: 'lib/x\0/../../../etc/cron.d/x' }] })),
    entry: 'lib/x',
    reason: /NUL inside the GNU long name record/,
  },
  {
    name: 'NUL in a PAX path',
    archive: () => releaseWith(file('lib/x', { pax: { path: 'lib/x\0/../../../etc/cron.d/x' } })),
    entry: 'lib/x\\x00/../../../etc/cron.d/x',
    reason: /control character \\x00 in the name/,
  },
  {
    name: 'PAX linkpath disagreeing with the ustar link name',
    archive: () => releaseWith(link('lib/l', 'hello-1.4.2', { pax: { linkpath: '../../../../etc' } })),
    entry: 'lib/l',
    reason: /link target disagrees/,
  },
  {
    name: 'global PAX header setting a path for every entry',
    archive: () => releaseWith(file('lib/x', { records: [{ type: 'g', data: { path: 'evil' } }] })),
    entry: '(archive)',
    reason: /global PAX header sets "path"/,
  },
  {
    name: 'PAX hdrcharset (names that are not UTF-8)',
    archive: () => releaseWith(file('lib/x', { pax: { hdrcharset: 'BINARY' } })),
    entry: '(archive)',
    reason: /unsupported PAX key "hdrcharset"/,
  },
  {
    name: 'PAX charset',
    archive: () => releaseWith(file('lib/x', { pax: { charset: 'ISO-IR 10646 2000 UTF-8' } })),
    entry: '(archive)',
    reason: /unsupported PAX key "charset"/,
  },
  {
    name: 'GNU sparse file with a body',
    archive: () => releaseWith(file('lib/sparse', { type: 'S' })),
    entry: 'lib/sparse',
    reason: /a type S entry with a body/,
  },
  {
    name: 'GNU sparse file without a body',
    archive: () => releaseWith({ path: 'lib/sparse', type: 'S' }),
    entry: 'lib/sparse',
    reason: /sparse|unsupported entry type/i,
  },
  {
    name: "a type-0 entry whose name ends in '/' (GNU tar makes it a directory)",
    archive: () => releaseWith({ path: 'lib/dir/', type: '0' }),
    entry: 'lib/dir/',
    reason: /ends in '\/'/,
  },
  {
    name: "an old-style (type NUL) entry whose name ends in '/'",
    archive: () => releaseWith({ path: 'lib/dir/', type: '\0' }),
    entry: 'lib/dir/',
    reason: /ends in '\/'/,
  },
  {
    name: 'symlink with an empty target',
    archive: () => releaseWith(link('lib/empty', '')),
    entry: 'lib/empty',
    reason: /empty target/,
  },
  // Tarmac's own files in the release dir: AfterInstall writes .tarmac-sha256 there.
  {
    name: '.tarmac-sha256 as a symlink',
    archive: () => releaseWith(link('.tarmac-sha256', 'releases/start_erl.data')),
    entry: '.tarmac-sha256',
    reason: /tarmac's own files/,
  },
  {
    name: '.tarmac-sha256 as a file, in another case',
    archive: () => releaseWith(file('./.TARMAC-SHA256')),
    entry: './.TARMAC-SHA256',
    reason: /tarmac's own files/,
  },
  // Names no release ever has.
  {
    name: 'ß and ss colliding (full case folding)',
    archive: () => releaseWith(file('lib/stra\u00dfe'), file('lib/strasse')),
    entry: 'lib/strasse',
    reason: /collides with lib\/stra\u00dfe/,
  },
  {
    name: 'a name that is not UTF-8',
    archive: () => releaseWith(file('lib/x', { rawPath: bytes('lib/', [0xff, 0xfe]) })),
    entry: 'lib/\ufffd\ufffd',
    reason: /name is not valid UTF-8/,
  },
  {
    name: 'a PAX path that is not UTF-8',
    archive: () => releaseWith(file('lib/x', { pax: { path: bytes('lib/x', [0xc3]) } })),
    entry: 'lib/x\ufffd',
    reason: /name is not valid UTF-8/,
  },
  {
    name: 'a link target that is not UTF-8',
    archive: () => releaseWith(link('lib/l', '', { rawLinkpath: bytes('ebin', [0xe2, 0x82]) })),
    entry: 'lib/l',
    reason: /link target is not valid UTF-8/,
  },
  {
    name: 'a newline in a name',
    archive: () => releaseWith(file('lib/a\nb')),
    entry: 'lib/a\\x0ab',
    reason: /control character \\x0a in the name/,
  },
  {
    name: 'a C1 control character in a name',
    archive: () => releaseWith(file('lib/a\u0085b')),
    entry: 'lib/a\\x85b',
    reason: /control character \\x85 in the name/,
  },
  {
    name: 'an escape sequence in a link target',
    archive: () => releaseWith(link('lib/l', 'ebin\u001b[2J')),
    entry: 'lib/l',
    reason: /control character \\x1b in the link target/,
  },
  {
    name: 'a backslash in a name',
    archive: () => releaseWith(file('lib\\..\\..\\x')),
    entry: 'lib\\..\\..\\x',
    reason: /backslash/,
  },
];
