import { refuse } from './errors';

/** What the raw headers say about one real entry, after PAX / GNU long-name records are applied. */
export interface FramedEntry {
  readonly path: string;
  readonly typeflag: string;
}

const BLOCK = 512;
const ALLOWED_PAX = new Set(['path', 'linkpath', 'size', 'mtime', 'atime', 'ctime', 'uid', 'gid', 'uname', 'gname']);
const META = new Set(['x', 'g', 'L', 'K']);
const ALLOWED_PAX_EXTRA = new Set(['comment', 'charset', 'hdrcharset']);

const cstring = (b: Buffer, start: number, length: number) => {
  const field = b.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
};

function numeric(b: Buffer, start: number, length: number): number {
  const field = b.subarray(start, start + length);
  if ((field[0] ?? 0) & 0x80) {
    // base-256 (GNU): only positive values that fit a double are plausible in a release
    if (field[0] !== 0x80) refuse('(archive)', 'negative or huge base-256 number in a header');
    return field.subarray(1).reduce((n, byte) => n * 256 + byte, 0);
  }
  const text = cstring(b, start, length).trim();
  if (text !== '' && !/^[0-7]+$/.test(text)) refuse('(archive)', `header number "${text}" is not octal`);
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function checksumValid(b: Buffer): boolean {
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += b[i] ?? 0;
  return sum === numeric(b, 148, 8);
}

function parsePax(data: Buffer, global: boolean): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = Number.parseInt(data.subarray(at, space).toString('ascii'), 10);
    if (space === -1 || !Number.isSafeInteger(length) || length <= 0 || at + length > data.length) {
      refuse('(archive)', 'malformed PAX header record');
    }
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    const key = record.slice(0, eq);
    if (!ALLOWED_PAX.has(key) && !ALLOWED_PAX_EXTRA.has(key)) refuse('(archive)', `unsupported PAX key "${key}"`);
    if (global && ALLOWED_PAX.has(key) && !['mtime', 'atime', 'ctime'].includes(key)) {
      refuse('(archive)', `global PAX header sets "${key}" for every entry`);
    }
    records.set(key, record.slice(eq + 1));
    at += length;
  }
  return records;
}

/**
 * An independent reading of the tar framing (512-byte blocks), run alongside node-tar's parser so the two can
 * be compared entry by entry. It finds what a parser alone hides: data after the end-of-archive marker, a
 * missing marker (truncation), PAX records that disagree with the ustar header, unexpected PAX keys.
 */
export class TarFraming {
  readonly entries: FramedEntry[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private skip = 0;
  private collect: { type: string; need: number; parts: Buffer[] } | undefined;
  private pax = new Map<string, string>();
  private longName: string | undefined;
  private zeros = 0;
  private ended = false;

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    while (this.pending.length - at >= BLOCK) {
      this.block(this.pending.subarray(at, at + BLOCK));
      at += BLOCK;
    }
    this.pending = this.pending.subarray(at);
  }

  end(): void {
    if (!this.ended) refuse('(archive)', 'truncated: the end-of-archive marker (two zero blocks) is missing');
    if (this.pending.some((byte) => byte !== 0)) refuse('(archive)', 'data after the end-of-archive marker');
  }

  private block(b: Buffer): void {
    if (this.ended) {
      if (b.some((byte) => byte !== 0)) refuse('(archive)', 'data after the end-of-archive marker');
    } else if (this.collect) {
      this.collect.parts.push(b);
      if (this.collect.parts.length * BLOCK >= this.collect.need) this.meta();
    } else if (this.skip > 0) {
      this.skip--;
    } else if (b.every((byte) => byte === 0)) {
      this.zeros++;
      this.ended = this.zeros === 2;
    } else {
      if (this.zeros) refuse('(archive)', 'a lone zero block before more entries (tar readers disagree there)');
      this.header(b);
    }
  }

  private header(b: Buffer): void {
    if (!checksumValid(b)) refuse('(archive)', `header checksum failure at entry ${this.entries.length + 1}`);
    const type = String.fromCharCode(b[156] ?? 0) || '0';
    const size = numeric(b, 124, 12);
    const ustar = b.subarray(257, 262).toString('latin1') === 'ustar';
    const prefix = ustar ? cstring(b, 345, 155) : '';
    const name = cstring(b, 0, 100);
    const ustarPath = prefix ? `${prefix}/${name}` : name;
    if (META.has(type)) {
      if (size > 1024 * 1024) refuse(ustarPath, 'oversized PAX / long-name header');
      if (size === 0) return;
      this.collect = { type, need: size, parts: [] };
      return;
    }
    const path = this.pax.get('path') ?? this.longName ?? ustarPath;
    if (!path.startsWith(ustarPath)) {
      refuse(path, `PAX/long name disagrees with the ustar header name "${ustarPath}"`);
    }
    const paxSize = this.pax.get('size');
    if (paxSize !== undefined && Number(paxSize) !== size) {
      refuse(path, `PAX size ${paxSize} disagrees with the ustar header size ${size}`);
    }
    if (size > 0 && !['0', '\0', '7'].includes(type)) refuse(path, `a type ${type} entry with a body of ${size} bytes`);
    this.entries.push({ path, typeflag: type });
    this.skip = Math.ceil(size / BLOCK);
    this.pax = new Map();
    this.longName = undefined;
  }

  private meta(): void {
    const { type, need, parts } = this.collect ?? refuse('(archive)', 'internal: no meta header pending');
    this.collect = undefined;
    const data = Buffer.concat(parts).subarray(0, need);
    if (type === 'x') this.pax = parsePax(data, false);
    else if (type === 'g') parsePax(data, true);
    else if (type === 'L') this.longName = cstring(data, 0, data.length);
    // 'K' (GNU long link name): the link target is checked on node-tar's entry.
  }
}
