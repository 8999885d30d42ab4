import { refuse } from './errors';
import type { ReleaseLimits } from './limits';
import { fold } from './names';

type Kind = 'file' | 'dir' | 'symlink';
const SPECIAL_BITS = 0o7000;
const KINDS: Readonly<Record<string, Kind>> = {
  File: 'file',
  OldFile: 'file',
  Directory: 'dir',
  SymbolicLink: 'symlink',
};

/** What the rules need of one entry (node-tar's ReadEntry has these fields). */
export interface EntryInfo {
  readonly path: string;
  readonly type: string;
  readonly mode?: number | undefined;
  readonly linkpath?: string | undefined;
}

/** `./a//b/` → `a/b`, refusing absolute paths, `..` and over-long names. `''` is the archive root. */
export function cleanPath(raw: string): string {
  if (raw.startsWith('/')) refuse(raw, 'absolute path');
  const segments = raw.split('/').filter((s) => s !== '.');
  while (segments.at(-1) === '') segments.pop();
  if (segments.includes('')) refuse(raw, 'empty path segment');
  if (segments.includes('..')) refuse(raw, "'..' segment");
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
  if (bytes(raw) > 4096 || segments.some((s) => bytes(s) > 255)) {
    refuse(raw, 'name too long (255 bytes per segment, 4096 in all)');
  }
  if (segments[0] !== undefined && fold(segments[0]).startsWith('.tarmac')) {
    refuse(raw, "collides with tarmac's own files (.tarmac* at the release root)");
  }
  return segments.join('/');
}

/**
 * The tree an archive would create, built entry by entry and refusing at the first unsafe one: hard links,
 * devices/FIFOs, special mode bits, depth, count, duplicates and case/Unicode collisions, anything through a
 * symlink or a file; and at the end, symlinks resolved inside the archive's namespace must stay inside.
 */
export class ReleaseTree {
  readonly kinds = new Map<string, Kind>();
  private readonly links = new Map<string, string>();
  private readonly folded = new Map<string, string>();

  constructor(private readonly limits: ReleaseLimits) {}

  add(entry: EntryInfo): void {
    const path = cleanPath(entry.path);
    if (entry.type === 'Link') refuse(path, `hard link to ${entry.linkpath ?? '?'} (hard links are refused)`);
    if (['CharacterDevice', 'BlockDevice', 'FIFO'].includes(entry.type)) refuse(path, `${entry.type} entry`);
    const kind = KINDS[entry.type] ?? refuse(path, `unsupported entry type ${entry.type}`);
    if ((entry.mode ?? 0) & SPECIAL_BITS) refuse(path, `setuid/setgid/sticky mode 0${(entry.mode ?? 0).toString(8)}`);
    if (path === '') {
      if (kind !== 'dir') refuse(entry.path, 'the archive root must be a directory');
      return;
    }
    if (kind === 'symlink' && !entry.linkpath) refuse(path, 'symlink with an empty target');
    const segments = path.split('/');
    if (segments.length > this.limits.maxDepth) {
      refuse(path, `depth ${segments.length} exceeds ${this.limits.maxDepth}`);
    }
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join('/');
      const parentKind = this.kinds.get(parent);
      if (parentKind === 'symlink') refuse(path, `goes through the symlink ${parent}`);
      if (parentKind === 'file') refuse(path, `goes through the file ${parent}`);
      if (parentKind === undefined) this.remember(parent, 'dir', path);
    }
    if (this.kinds.has(path)) refuse(path, 'duplicate path');
    this.remember(path, kind, path);
    if (kind === 'symlink') this.links.set(path, entry.linkpath ?? '');
    if (this.kinds.size > this.limits.maxEntries) refuse(path, `more than ${this.limits.maxEntries} entries`);
  }

  /** Resolve every symlink (following chains through other symlinks); refuse one that leaves the tree. */
  finish(): void {
    for (const link of this.links.keys()) this.resolve(link);
  }

  private remember(path: string, kind: Kind, entry: string): void {
    const folded = fold(path);
    const other = this.folded.get(folded);
    if (other !== undefined && other !== path) refuse(entry, `collides with ${other} (case or Unicode normalization)`);
    this.folded.set(folded, path);
    this.kinds.set(path, kind);
  }

  private resolve(link: string): void {
    const start = this.links.get(link) ?? '';
    if (start.startsWith('/')) refuse(link, `symlink to absolute path ${start}`);
    const stack = link.split('/').slice(0, -1);
    const todo = start.split('/').reverse();
    let hops = 0;
    while (todo.length) {
      const segment = todo.pop() as string;
      if (segment === '' || segment === '.') continue;
      if (segment === '..') {
        if (!stack.length) refuse(link, `symlink target ${start} leaves the tree`);
        stack.pop();
        continue;
      }
      stack.push(segment);
      const target = this.links.get(stack.join('/'));
      if (target === undefined) continue;
      if (++hops > 40 || target.startsWith('/'))
        refuse(link, `symlink chain through ${stack.join('/')} leaves the tree or loops`);
      stack.pop();
      todo.push(...target.split('/').reverse());
    }
  }
}
