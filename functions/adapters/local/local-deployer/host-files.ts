import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { TarmacError } from '../../../core/errors';
import type { Hosts } from '../../../hosts/manager';
import type { ArtifactStore } from '../../../ports';

/** An artifact store that can name the file behind a key (the local FsArtifactStore): copies skip a buffer. */
export type PathCapableStore = ArtifactStore & { pathOf?(key: string): string };

/**
 * Files on hosts, through `Hosts.exec` alone (stdin in, stdout out), so local test hosts and SSH servers are
 * alike. Only used under directories the deployer created itself (root-only), so no host-made link is
 * followed on the way.
 */
const MISSING = 3;

/** The text of a file on a host, or undefined when there is none. */
export async function readOptional(hosts: Hosts, host: string, path: string): Promise<string | undefined> {
  const script = `if [ -f "$1" ]; then exec cat -- "$1"; else exit ${MISSING}; fi`;
  const result = await hosts.exec(host, ['sh', '-c', script, 'read', path], { timeoutMs: 60_000 });
  if (result.code === MISSING) return undefined;
  if (result.code !== 0) throw hostFileError('read', host, path, result.stderr);
  return result.stdout;
}

export async function readText(hosts: Hosts, host: string, path: string): Promise<string> {
  const text = await readOptional(hosts, host, path);
  if (text === undefined) throw hostFileError('read', host, path, 'no such file');
  return text;
}

/** Replace a file on a host (written beside it, then renamed), with a mode; used for the agent's records. */
export async function writeText(hosts: Hosts, host: string, path: string, content: string, mode = 0o600) {
  const script =
    'umask 077; t="$1.tmp.$$"; cat >"$t" && chmod "$2" "$t" && mv -f -- "$t" "$1" || { rm -f -- "$t"; exit 1; }';
  const result = await hosts.exec(host, ['sh', '-c', script, 'write', path, mode.toString(8)], {
    input: content,
    timeoutMs: 60_000,
  });
  if (result.code !== 0) throw hostFileError('write', host, path, result.stderr);
}

/**
 * Put an artifact on a host at `path` unless a file with that sha256 is already there (a release reaches a
 * host once, whatever the number of deployments). The host checks the sha256 of what arrived before it
 * renames it into place, so a cut or corrupted transfer never leaves a file under the final name.
 */
export async function uploadArtifact(
  hosts: Hosts,
  host: string,
  store: PathCapableStore,
  key: string,
  path: string,
  expectedSha256?: string,
): Promise<'uploaded' | 'present'> {
  const { sha256, stdin } = await artifactInput(store, key, expectedSha256);
  const script = [
    'set -u; p=$1; want=$2; t="$p.part.$$"',
    'sum() { sha256sum <"$1" | cut -d" " -f1; }',
    'if [ -f "$p" ] && [ "$(sum "$p")" = "$want" ]; then cat >/dev/null; echo present; exit 0; fi',
    'mkdir -p -- "$(dirname -- "$p")" && umask 077 && cat >"$t" || { rm -f -- "$t"; exit 1; }',
    'got=$(sum "$t")',
    'if [ "$got" != "$want" ]; then rm -f -- "$t"; echo "sha256 of the upload is $got, expected $want" >&2; exit 1; fi',
    'mv -f -- "$t" "$p" && echo uploaded',
  ].join('\n');
  const result = await hosts.exec(host, ['sh', '-c', script, 'upload', path, sha256], {
    ...stdin,
    timeoutMs: 30 * 60_000,
  });
  if (result.code !== 0) throw hostFileError('upload', host, path, result.stderr);
  return result.stdout.includes('present') ? 'present' : 'uploaded';
}

/** An artifact as a command's stdin (streamed from its file when the store has one) and its sha256. */
export async function artifactInput(
  store: PathCapableStore,
  key: string,
  expectedSha256?: string,
): Promise<{ sha256: string; stdin: { input: Uint8Array } | { inputFile: string } }> {
  const file = store.pathOf?.(key);
  if (file !== undefined) return { sha256: expectedSha256 ?? (await fileSha256(file)), stdin: { inputFile: file } };
  const data = await readAll(store, key);
  return { sha256: expectedSha256 ?? createHash('sha256').update(data).digest('hex'), stdin: { input: data } };
}

async function readAll(store: ArtifactStore, key: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await store.get(key)) chunks.push(chunk as Uint8Array);
  return Buffer.concat(chunks);
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function hostFileError(what: string, host: string, path: string, stderr: string): TarmacError {
  return new TarmacError(`could not ${what} ${path} on ${host}: ${stderr.trim() || 'failed'}`, { host, path });
}
