import { randomBytes } from 'node:crypto';
import { HostCommandFailedError } from '../../../hosts/errors';
import type { Hosts } from '../../../hosts/manager';
import { artifactInput, hostFileError, type PathCapableStore } from './host-files';
import { archiveDir, groupDir, lastSuccessfulFile, releaseFile, revisionDir } from './paths';

/** What one host told the deployer before its hooks run (one command, however many files it read). */
export type Prepared =
  | { readonly finished: true }
  | {
      readonly finished: false;
      readonly appspec: string;
      readonly instanceEnv: string;
      readonly releaseJson: string;
      /** The host's last successful revision before this run, when it has one and its appspec is still there. */
      readonly previous?: { readonly deploymentId: string; readonly appspec: string };
      /** The release the plan names is already on the host (by sha256), where this bundle's era puts it. */
      readonly releasePresent: boolean;
    };

export interface PrepareInput {
  readonly group: string;
  readonly deploymentId: string;
  readonly bundleKey: string;
  readonly bundleSha256?: string;
  /** The release the deployer puts on hosts itself; absent: none (the host fetches it, e.g. from S3). */
  readonly releaseSha256?: string;
  /** Units whose activity says a finished run still serves here (one unit, or either slot). */
  readonly units: readonly string[];
}

/**
 * In ONE host command (a local host's nsenter, one SSH job): tell whether this revision already finished here
 * (a resumed deployment), else write the bundle (sha256 checked on the host before it is renamed in), extract
 * it as the agent does (`tar -zxpsf`), and print what the deployer reads before the hooks: the bundle's
 * appspec, instance.env and release.json, the last successful revision and its appspec, and whether the
 * release tarball is already there. Sections are framed by a random marker the files cannot guess.
 */
export async function prepareHost(
  hosts: Hosts,
  host: string,
  store: PathCapableStore,
  input: PrepareInput,
): Promise<Prepared> {
  const marker = `tarmac-${randomBytes(12).toString('hex')}`;
  const bundle = await artifactInput(store, input.bundleKey, input.bundleSha256);
  const dir = revisionDir(input.group, input.deploymentId);
  const args = [
    marker,
    input.deploymentId,
    dir,
    archiveDir(input.group, input.deploymentId),
    bundle.sha256,
    lastSuccessfulFile(input.group),
    groupDir(input.group),
    input.releaseSha256 ? releaseFile(input.releaseSha256) : '',
    input.releaseSha256 ?? '',
    ...input.units,
  ];
  const result = await hosts.exec(host, ['sh', '-c', PREPARE, 'prepare', ...args], {
    ...bundle.stdin,
    timeoutMs: 120_000,
  });
  if (result.code !== 0) {
    throw new HostCommandFailedError(host, ['prepare', dir], result.code, result.stderr || result.stdout);
  }
  const sections = parseSections(result.stdout, marker);
  if (sections.has('finished')) return { finished: true };
  const need = (name: string, path: string) => {
    const text = sections.get(name);
    if (text === undefined) throw hostFileError('read', host, path, 'no such file');
    return text;
  };
  const archive = archiveDir(input.group, input.deploymentId);
  const last = sections.get('last')?.trim();
  const previousAppspec = sections.get('previous-appspec');
  return {
    finished: false,
    appspec: need('appspec', `${archive}/appspec.yml`),
    instanceEnv: need('instance-env', `${archive}/tarmac/instance.env`),
    releaseJson: need('release-json', `${archive}/tarmac/release.json`),
    ...(last && previousAppspec !== undefined ? { previous: { deploymentId: last, appspec: previousAppspec } } : {}),
    releasePresent: sections.has('release-present'),
  };
}

/** `\n<marker> <name>\n<content>` repeated: name → content (a file's own last newline kept). */
function parseSections(stdout: string, marker: string): Map<string, string> {
  const sections = new Map<string, string>();
  for (const part of stdout.split(`\n${marker} `).slice(1)) {
    const newline = part.indexOf('\n');
    sections.set(part.slice(0, newline), part.slice(newline + 1));
  }
  return sections;
}

// $1 marker, $2 deployment id, $3 revision dir, $4 archive, $5 bundle sha256, $6 last-successful file,
// $7 group dir, $8 release file, $9 release sha256, then the units. Stdin: the bundle.
const PREPARE = [
  'set -u; m=$1; id=$2; dir=$3; archive=$4; want=$5; last_file=$6; group=$7; release=$8; release_sha=$9',
  'shift 9',
  'section() { printf "\\n%s %s\\n" "$m" "$1"; }',
  'show() { if [ -f "$2" ]; then section "$1"; cat -- "$2"; fi; }',
  'sum() { sha256sum <"$1" | cut -d" " -f1; }',
  'last=$(cat -- "$last_file" 2>/dev/null || true)',
  // A resumed deployment leaves alone a host it had already finished: the revision passed ValidateService
  // here, is still the last installed one, and its unit runs.
  'if [ -f "$dir/validated" ] && [ "$last" = "$id" ] && systemctl is-active --quiet "$@"; then',
  '  cat >/dev/null; section finished; exit 0',
  'fi',
  'install -d -m 0700 -- "$archive" || exit 1',
  't="$dir/bundle.tgz.part.$$"',
  '(umask 077 && cat >"$t") || { rm -f -- "$t"; exit 1; }',
  'got=$(sum "$t")',
  'if [ "$got" != "$want" ]; then rm -f -- "$t"; echo "sha256 of the bundle is $got, expected $want" >&2; exit 1; fi',
  'mv -f -- "$t" "$dir/bundle.tgz" || exit 1',
  // The agent extracts bundles with `tar -zxpsf`.
  'tar -zxpsf "$dir/bundle.tgz" -C "$archive" || exit 1',
  'show appspec "$archive/appspec.yml"; show instance-env "$archive/tarmac/instance.env"',
  'show release-json "$archive/tarmac/release.json"',
  'if [ -n "$last" ]; then section last; printf "%s\\n" "$last"; show previous-appspec "$group/$last/deployment-archive/appspec.yml"; fi',
  'if [ -n "$release" ] && [ -f "$release" ] && [ "$(sum "$release")" = "$release_sha" ]; then section release-present; fi',
  'exit 0',
].join('\n');
