import { Parser, type ReadEntry } from 'tar';
import type { ReleaseNeeds } from '../core/compat';
import { RefusedEntry, refuse } from './errors';
import { TarFraming } from './framing';
import { RATIO_GRACE_BYTES, type ReleaseLimits } from './limits';
import { NeedsCollector } from './needs';
import { ReleaseTree } from './rules';
import { releaseShape } from './shape';

/**
 * Reads the uncompressed tar stream once, through two independent readers — node-tar's strict Parser (whose
 * entries feed the rules) and {@link TarFraming} (raw headers) — and refuses at the first disagreement,
 * unsafe entry, or bound exceeded. Never writes anything anywhere.
 */
export class TarInspector {
  /** Compressed bytes read so far; the checker updates it before each decompressed chunk arrives. */
  compressed = 0;
  bytes = 0;
  private readonly framing = new TarFraming();
  private readonly tree: ReleaseTree;
  /** What the release needs from a host (issue #14 item 8), read from a few entries' bodies on the way. */
  private readonly needs = new NeedsCollector();
  private readonly parser: Parser;
  private failure: RefusedEntry | undefined;
  private seen = 0;

  constructor(
    private readonly limits: ReleaseLimits,
    private readonly releaseName?: string,
  ) {
    this.tree = new ReleaseTree(limits);
    this.parser = new Parser({
      strict: true,
      onwarn: (code: string, message: string | Error) => this.fail('(archive)', `${code}: ${String(message)}`),
      onReadEntry: (entry: ReadEntry) => this.entry(entry),
    });
    this.parser.on('error', (error: Error) => this.fail('(archive)', `invalid tar: ${error.message}`));
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limits.maxBytes)
      refuse('(archive)', `uncompressed size exceeds ${this.limits.maxBytes} bytes`);
    if (this.bytes > RATIO_GRACE_BYTES && this.bytes > this.compressed * this.limits.maxRatio) {
      refuse('(archive)', `compression ratio exceeds ${this.limits.maxRatio}:1 (gzip bomb?)`);
    }
    this.framing.push(chunk);
    this.parser.write(chunk);
    if (this.failure) throw this.failure;
  }

  /** After the last chunk: the archive's end, symlink resolution, and the release shape. */
  end(): { entries: number; releaseName: string; version: string; needs: ReleaseNeeds } {
    this.parser.end();
    if (this.failure) throw this.failure;
    this.framing.end();
    if (this.seen !== this.framing.entries.length) {
      refuse('(archive)', `tar readers disagree: ${this.seen} entries parsed, ${this.framing.entries.length} framed`);
    }
    this.tree.finish();
    return { entries: this.seen, ...releaseShape(this.tree, this.releaseName), needs: this.needs.result() };
  }

  private entry(entry: ReadEntry): void {
    entry.resume();
    if (this.failure) return;
    try {
      const framed = this.framing.entries[this.seen++];
      if (framed?.path !== entry.path) {
        refuse(entry.path, `tar readers disagree on this entry's path (headers say "${framed?.path ?? 'nothing'}")`);
      }
      if (['SymbolicLink', 'Link'].includes(entry.type) && framed.linkpath !== (entry.linkpath ?? '')) {
        refuse(entry.path, `tar readers disagree on this entry's link target (headers say "${framed.linkpath}")`);
      }
      this.tree.add({ path: entry.path, type: entry.type, mode: entry.mode, linkpath: entry.linkpath });
      this.needs.observe(entry);
    } catch (error) {
      if (!(error instanceof RefusedEntry)) throw error;
      this.failure = error;
    }
  }

  private fail(entry: string, reason: string): void {
    this.failure ??= new RefusedEntry(entry, reason);
  }
}
