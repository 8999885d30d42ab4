import type { ReadEntry } from 'tar';
import { compareVersions, otpOfErts, type ReleaseNeeds } from '../core/compat';
import { isElf, readElf } from './elf';

/** The slice of node-tar's ReadEntry the collector needs: its path, type, size and body. */
export type BodyEntry = Pick<ReadEntry, 'path' | 'type' | 'size' | 'on'>;

/** Native binaries of an OTP release: ERTS's executables and shared objects (NIFs, ports) of its apps. */
const NATIVE = /^(?:erts-[^/]+\/bin\/[^/]+|lib\/[^/]+\/priv\/.+)$/;
const ERTS_DIR = /^erts-([0-9][0-9.]*)(?:\/|$)/;
const REL_FILE = /^releases\/[^/]+\/[^/]+\.rel$/;
const ERTS_IN_REL = /\{\s*erts\s*,\s*"([0-9][0-9.]*)"\s*\}/;
/** A NIF or ERTS binary larger than this is not read (OTP's largest, beam.smp, is a few MB). */
const MAX_BINARY_BYTES = 64 * 1024 * 1024;
/** `.rel` files are a few hundred bytes. */
const MAX_REL_BYTES = 256 * 1024;

/**
 * Collects, while the release checker streams the archive once, what the release needs from a host: the
 * architecture and glibc version of its native binaries (ELF headers and `.gnu.version_r`), whether it ships
 * ERTS, and the ERTS version its `.rel` names. Reads only the bodies of those few entries; extracts nothing.
 */
export class NeedsCollector {
  private readonly architectures = new Set<string>();
  private readonly libcs = new Set<'glibc' | 'musl'>();
  private glibc: string | undefined;
  private binaries = 0;
  private ertsDir: string | undefined;
  private relErts: string | undefined;

  /** Look at one archive entry (call before its body flows, as the checker's onReadEntry does). */
  observe(entry: BodyEntry): void {
    const path = entry.path.replace(/^(?:\.\/)+/, '');
    this.ertsDir ??= ERTS_DIR.exec(path)?.[1];
    if (entry.type !== 'File' && entry.type !== 'OldFile') return;
    const size = entry.size ?? 0;
    if (REL_FILE.test(path) && size <= MAX_REL_BYTES) {
      collect(entry, (body) => {
        this.relErts ??= ERTS_IN_REL.exec(body.toString('utf8'))?.[1];
      });
    } else if (NATIVE.test(path) && size >= 64 && size <= MAX_BINARY_BYTES) {
      collect(
        entry,
        (body) => this.binary(body),
        (head) => isElf(head),
      );
    }
  }

  /** What was found, once the whole archive was read. */
  result(): ReleaseNeeds {
    const erts = this.ertsDir ?? this.relErts;
    const ertsIncluded = this.ertsDir !== undefined;
    const libc = this.libcs.size === 1 ? [...this.libcs][0] : undefined;
    return {
      architectures: [...this.architectures].sort(),
      ...(libc ? { libc } : {}),
      ...(this.glibc ? { glibc: this.glibc } : {}),
      ertsIncluded,
      ...(erts ? { erts } : {}),
      ...(!ertsIncluded && erts && otpOfErts(erts) ? { otp: otpOfErts(erts) } : {}),
      binaries: this.binaries,
    };
  }

  private binary(body: Buffer): void {
    const facts = readElf(body);
    if (!facts) return;
    this.binaries += 1;
    this.architectures.add(facts.arch);
    if (facts.libc) this.libcs.add(facts.libc);
    if (facts.glibc && (!this.glibc || compareVersions(facts.glibc, this.glibc) > 0)) this.glibc = facts.glibc;
  }
}

/**
 * Buffer an entry's body and hand it over at its end. With `keep`, the first bytes decide whether the rest is
 * worth buffering at all (non-ELF files under priv/ are dropped after their first bytes).
 */
function collect(entry: BodyEntry, done: (body: Buffer) => void, keep?: (head: Buffer) => boolean): void {
  const chunks: Buffer[] = [];
  let length = 0;
  let wanted = keep ? undefined : true;
  entry.on('data', (chunk: Buffer) => {
    if (wanted === false) return;
    chunks.push(chunk);
    length += chunk.length;
    if (wanted === undefined && length >= 4 && keep) wanted = keep(Buffer.concat(chunks));
    if (wanted === false) chunks.length = 0;
  });
  entry.on('end', () => {
    if (wanted) done(Buffer.concat(chunks));
  });
}
