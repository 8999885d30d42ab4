import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { HostError } from '../errors';
import { run } from '../run';
import { describeTarget, type SshTarget } from './args';

export interface ScannedHost {
  readonly name: string;
  readonly target: string;
  /** known_hosts lines as ssh-keyscan printed them. */
  readonly lines: readonly string[];
  /** `256 SHA256:… [10.0.0.5]:22 (ED25519)` per key, to show before pinning. */
  readonly fingerprints: readonly string[];
  /** Compared with what the fleet's file pins for the host. */
  readonly status: 'new' | 'unchanged' | 'changed';
}

/** The host name as known_hosts writes it: `host`, or `[host]:port` off port 22. */
const hostPattern = (t: Pick<SshTarget, 'host' | 'port'>) => (t.port === 22 ? t.host : `[${t.host}]:${t.port}`);

/** Ask a server for its host keys (ssh-keyscan) and compare them with the pinned ones in `file`. */
export async function scanHost(t: SshTarget, file: string): Promise<ScannedHost> {
  const scan = await run(['ssh-keyscan', '-T', '10', '-p', String(t.port), '--', t.host], { timeoutMs: 30_000 });
  const lines = scan.stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .sort();
  if (lines.length === 0) {
    throw new HostError(
      `ssh-keyscan got no host key from ${t.name} (${describeTarget(t)}): ${scan.stderr.trim() || 'no answer'}`,
      {
        host: t.name,
      },
    );
  }
  const prints = await run(['ssh-keygen', '-l', '-f', '-'], { input: `${lines.join('\n')}\n`, timeoutMs: 10_000 });
  const pinned = pinnedLines(file, hostPattern(t)).sort();
  const status =
    pinned.length === 0 ? 'new' : keysOf(pinned).join('\n') === keysOf(lines).join('\n') ? 'unchanged' : 'changed';
  return {
    name: t.name,
    target: describeTarget(t),
    lines,
    fingerprints: prints.stdout.trim().split('\n').filter(Boolean),
    status,
  };
}

/**
 * Pin the scanned keys in the fleet's known_hosts (0600, replaced by rename). A host whose key changed is
 * refused unless it is named in `replace`: a changed key is what an attacker in the middle looks like.
 */
export function pinHosts(
  file: string,
  scanned: readonly ScannedHost[],
  targets: ReadonlyMap<string, SshTarget>,
  replace: readonly string[],
) {
  const refused = scanned.filter((s) => s.status === 'changed' && !replace.includes(s.name));
  if (refused.length > 0) {
    throw new HostError(
      `the host key of ${refused.map((s) => `${s.name} (${s.target})`).join(', ')} changed since it was pinned — check the new fingerprint with the server's operator, then run again with --replace ${refused.map((s) => s.name).join(' ')}`,
      { hosts: refused.map((s) => s.name) },
    );
  }
  const patterns = new Set(scanned.map((s) => hostPattern(targets.get(s.name) as SshTarget)));
  const kept = readLines(file).filter((line) => !patterns.has(line.split(' ')[0] ?? ''));
  const lines = [...kept, ...scanned.flatMap((s) => s.lines)];
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(`${file}.tmp`, `${lines.join('\n')}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const pinnedLines = (file: string, pattern: string) => readLines(file).filter((l) => l.split(' ')[0] === pattern);
/** `type key` of each line (what identifies a key, whatever host column it was written with). */
const keysOf = (lines: readonly string[]) => lines.map((l) => l.split(' ').slice(1, 3).join(' ')).sort();
