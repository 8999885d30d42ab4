import { refuse } from './errors';
import { headerText, shown } from './names';
import { cbytes, checksumValid, numeric, oneField, parsePax } from './records';

/** What the raw headers say about one real entry, after PAX / GNU long-name records are applied. */
export interface FramedEntry {
  readonly path: string;
  readonly linkpath: string;
  readonly typeflag: string;
}

const BLOCK = 512;
const META = new Set(['x', 'g', 'L', 'K']);
const FILE_TYPES = ['0', '\0', '7'];
const POSIX_MAGIC = 'ustar\u000000';
const GNU_MAGIC = 'ustar  \u0000';

/**
 * An independent reading of the tar framing (512-byte blocks), run alongside node-tar's parser so the two can
 * be compared entry by entry. It finds what a parser alone hides: data after the end-of-archive marker, a
 * missing marker (truncation), PAX or GNU records that disagree with the ustar header or with each other,
 * unexpected PAX keys, names that are not clean UTF-8. The same framing rules as tarball.py's Reader.
 */
export class TarFraming {
  readonly entries: FramedEntry[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private skip = 0;
  private collect: { type: string; need: number; parts: Buffer[] } | undefined;
  private meta = new Map<string, Buffer | Map<string, Buffer>>();
  private zeros = 0;
  private ended = false;

  push(chunk: Buffer): void {
    let at = 0;
    if (this.pending.length) {
      // Only the block begun in the previous chunk is copied, not the whole chunk behind it.
      const rest = BLOCK - this.pending.length;
      if (chunk.length < rest) {
        this.pending = Buffer.concat([this.pending, chunk]);
        return;
      }
      this.block(Buffer.concat([this.pending, chunk.subarray(0, rest)]));
      at = rest;
    }
    while (chunk.length - at >= BLOCK) {
      if (this.skip > 0 && !this.ended && !this.collect) {
        // An entry's body: passed over in one step rather than block by block (it is most of the archive).
        const blocks = Math.min(this.skip, Math.floor((chunk.length - at) / BLOCK));
        this.skip -= blocks;
        at += blocks * BLOCK;
        continue;
      }
      this.block(chunk.subarray(at, at + BLOCK));
      at += BLOCK;
    }
    this.pending = chunk.subarray(at);
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
      if (this.collect.parts.length * BLOCK >= this.collect.need) this.metaDone();
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
    const type = String.fromCharCode(b[156] ?? 0);
    const size = numeric(b, 124, 12);
    const magic = b.subarray(257, 265).toString('latin1');
    if (magic !== POSIX_MAGIC && magic !== GNU_MAGIC) {
      refuse(
        '(archive)',
        `unknown tar header format (magic ${JSON.stringify(magic)}) at entry ${this.entries.length + 1}`,
      );
    }
    // Old GNU headers keep access/change times where POSIX ustar has the name prefix.
    const prefix = magic === POSIX_MAGIC ? cbytes(b.subarray(345, 500)) : Buffer.alloc(0);
    const rawName = cbytes(b.subarray(0, 100));
    if (META.has(type)) {
      if (size > 1024 * 1024) refuse('(archive)', 'oversized PAX / long-name header');
      if (this.meta.has(type))
        refuse('(archive)', `two '${type}' records before one entry (tar readers disagree there)`);
      this.collect = { type, need: size, parts: [] };
      if (size === 0) this.metaDone();
      return;
    }
    const pax = (this.meta.get('x') as Map<string, Buffer> | undefined) ?? new Map<string, Buffer>();
    const ustarPath = headerText(prefix.length ? Buffer.concat([prefix, Buffer.from('/'), rawName]) : rawName, 'name');
    const path = oneField(pax.get('path'), this.meta.get('L') as Buffer | undefined, ustarPath, 'name');
    const ustarLink = headerText(cbytes(b.subarray(157, 257)), 'link target', path);
    const linkpath = oneField(
      pax.get('linkpath'),
      this.meta.get('K') as Buffer | undefined,
      ustarLink,
      'link target',
      path,
    );
    const paxSize = pax.get('size')?.toString('utf8');
    if (paxSize !== undefined && paxSize !== String(size)) {
      refuse(path, `PAX size ${paxSize} disagrees with the ustar header size ${size}`);
    }
    if (size > 0 && !FILE_TYPES.includes(type))
      refuse(path, `a type ${shown(type)} entry with a body of ${size} bytes`);
    if (FILE_TYPES.includes(type) && path.endsWith('/')) {
      refuse(path, "a file entry whose name ends in '/' (tar readers disagree whether it is a directory)");
    }
    // node-tar only warns on these (no entry to name): refused here, where tarball.py refuses them too.
    if (type === 'S') refuse(path, 'GNU sparse file entry');
    if (type === '2' && linkpath === '') refuse(path, 'symlink with an empty target');
    this.entries.push({ path, linkpath, typeflag: type });
    this.skip = Math.ceil(size / BLOCK);
    this.meta = new Map();
  }

  private metaDone(): void {
    const { type, need, parts } = this.collect ?? refuse('(archive)', 'internal: no meta header pending');
    this.collect = undefined;
    const data = Buffer.concat(parts).subarray(0, need);
    if (type === 'g') parsePax(data, true);
    else this.meta.set(type, type === 'x' ? parsePax(data, false) : data);
  }
}
