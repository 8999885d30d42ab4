import { gzipSync } from 'node:zlib';

/**
 * Release-shaped and hostile tar.gz archives, built byte by byte at test time (no binaries in the repo).
 * Headers are written by hand so a test can say exactly what a hostile archive holds — including what
 * well-behaved writers refuse to produce (absolute names, devices, disagreeing PAX records…).
 */
export interface TarEntry {
  readonly path: string;
  /** ustar typeflag: '0' file, '1' hard link, '2' symlink, '3' char dev, '4' block dev, '5' dir, '6' FIFO, 'x' PAX */
  readonly type?: string;
  readonly mode?: number;
  readonly body?: Buffer | string;
  readonly linkpath?: string;
  /** Size written in the header when it must lie about the body. */
  readonly size?: number;
  /** PAX records emitted in an 'x' header right before this entry (values may be raw bytes: NUL, non-UTF-8). */
  readonly pax?: Readonly<Record<string, string | Buffer>>;
  /** Meta records (PAX 'x'/'g', GNU long name 'L', long link 'K') emitted before this entry, in this order. */
  readonly records?: readonly MetaRecord[];
  /** Raw bytes for the ustar name / link name fields, where a test needs bytes no string can carry. */
  readonly rawPath?: Buffer;
  readonly rawLinkpath?: Buffer;
  /** Old GNU header magic (`ustar  \0`, as GNU tar writes by default) instead of POSIX `ustar\000`. */
  readonly gnuMagic?: boolean;
}

export interface MetaRecord {
  readonly type: 'x' | 'g' | 'L' | 'K';
  /** PAX records, or the raw data of a GNU long name/link record (NUL-terminated as GNU tar writes it). */
  readonly data: Readonly<Record<string, string | Buffer>> | Buffer | string;
}

function field(block: Buffer, offset: number, length: number, value: string | Buffer): void {
  if (typeof value === 'string') block.write(value, offset, Math.min(length, Buffer.byteLength(value)), 'utf8');
  else value.copy(block, offset, 0, Math.min(length, value.length));
}
const octal = (value: number, length: number) => `${value.toString(8).padStart(length - 1, '0')}\0`;

export function tarHeader(entry: TarEntry, size: number): Buffer {
  const block = Buffer.alloc(512);
  field(block, 0, 100, entry.rawPath ?? entry.path);
  field(block, 100, 8, octal(entry.mode ?? (entry.type === '5' ? 0o755 : 0o644), 8));
  field(block, 108, 8, octal(0, 8));
  field(block, 116, 8, octal(0, 8));
  field(block, 124, 12, octal(size, 12));
  field(block, 136, 12, octal(946684800, 12));
  field(block, 156, 1, entry.type ?? '0');
  field(block, 157, 100, entry.rawLinkpath ?? entry.linkpath ?? '');
  field(block, 257, 8, entry.gnuMagic ? 'ustar  \u0000' : 'ustar\u000000');
  field(block, 265, 32, 'root');
  field(block, 297, 32, 'root');
  block.fill(0x20, 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  field(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

const pad = (length: number) => Buffer.alloc((512 - (length % 512)) % 512);

function paxData(records: Readonly<Record<string, string | Buffer>>): Buffer {
  return Buffer.concat(
    Object.entries(records).map(([key, value]) => {
      const rest = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
      let length = rest.length + 1;
      while (String(length).length + rest.length !== length) length++;
      return Buffer.concat([Buffer.from(String(length)), rest]);
    }),
  );
}

function metaBlock(record: MetaRecord, name: string): Buffer[] {
  const data =
    typeof record.data === 'string' || Buffer.isBuffer(record.data)
      ? Buffer.concat([Buffer.from(record.data), Buffer.alloc(1)])
      : paxData(record.data);
  const path = record.type === 'L' || record.type === 'K' ? '././@LongLink' : `PaxHeaders/${name}`.slice(0, 99);
  return [tarHeader({ path, type: record.type }, data.length), data, pad(data.length)];
}

/** An uncompressed tar stream; `trailing` bytes are appended after the end-of-archive marker. */
export function tarBytes(entries: readonly TarEntry[], trailing: Buffer<ArrayBufferLike> = Buffer.alloc(0)): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    for (const record of entry.records ?? []) parts.push(...metaBlock(record, entry.path));
    if (entry.pax) parts.push(...metaBlock({ type: 'x', data: entry.pax }, entry.path));
    const body = Buffer.from(entry.body ?? '');
    parts.push(tarHeader(entry, entry.size ?? body.length), body, pad(body.length));
  }
  parts.push(Buffer.alloc(1024), trailing);
  return Buffer.concat(parts);
}

export const tgz = (entries: readonly TarEntry[], trailing?: Buffer<ArrayBufferLike>) =>
  gzipSync(tarBytes(entries, trailing));

/** The smallest archive shaped like `mix release` output for release `hello` 1.4.2. */
export const RELEASE: readonly TarEntry[] = [
  { path: 'bin/', type: '5' },
  { path: 'bin/hello', mode: 0o755, body: '#!/bin/sh\necho hello\n' },
  { path: 'releases/', type: '5' },
  { path: 'releases/start_erl.data', body: '14.2 1.4.2\n' },
  { path: 'releases/1.4.2/', type: '5' },
  { path: 'releases/1.4.2/hello.rel', body: '{release,{"hello","1.4.2"},{erts,"14.2"},[]}.\n' },
  { path: 'releases/1.4.2/vm.args', body: '-kernel inet_dist_use_interface {127,0,0,1}\n' },
  { path: 'lib/hello-1.4.2/ebin/hello.app', body: '{application,hello,[]}.\n' },
  { path: 'lib/hello-1.4.2/priv/static', type: '2', linkpath: '../../hello-1.4.2/ebin' },
];

/** The release plus some hostile entries. */
export const releaseWith = (...extra: TarEntry[]) => tgz([...RELEASE, ...extra]);

/** A stream of one buffer in small chunks, like a network read. */
export async function* chunked(bytes: Buffer, size = 4096): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}
