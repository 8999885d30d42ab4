import { HOST_PATH } from '../exec';

/** Where a server keeps each command's output and exit status until tarmac has read them. */
export const JOBS_DIR = '/var/lib/tarmac-agent/jobs';
/** The last line the runner prints on stderr: the job's exit status and seconds it ran. */
export const STATUS_MARK = 'tarmac-job-status';
/** Printed instead when asked to attach to a job the server does not know (it never started). */
export const UNKNOWN_MARK = 'tarmac-job-unknown';

/**
 * The runner of every command tarmac starts on a server, as root (`bash -c`, the script below). `start`
 * runs the command detached from the SSH session (`setsid`: a dropped connection signals nothing) under
 * `timeout`, which kills the command's whole process group (SIGTERM, then SIGKILL after the grace), with a
 * clean environment; stdout and stderr go to files and the exit status to `status`, written by rename. The
 * command's stdin is the session's: BeforeInstall reads the secrets from it and they touch no file.
 * `attach` waits for a job started earlier (after a reconnect) and prints what `start` would have: so a
 * hook's fate is found out on the server, never guessed. Job directories are removed after an hour.
 */
export const RUNNER = `set -u
mode=$1 id=$2; shift 2
jobs=${JOBS_DIR}; d=$jobs/$id
umask 077
finish() {
  while [ ! -f "$d/status" ]; do sleep 0.2; done
  cat -- "$d/stdout"; cat -- "$d/stderr" >&2
  printf '\\n${STATUS_MARK} %s\\n' "$(cat -- "$d/status")" >&2
  exit 0
}
if [ "$mode" = attach ]; then
  [ -d "$d" ] || { printf '\\n${UNKNOWN_MARK}\\n' >&2; exit 0; }
  finish
fi
t=$1 g=$2; shift 2
mkdir -p -m 0700 "$jobs" && mkdir -m 0700 "$d" || { echo "tarmac: cannot create $d" >&2; exit 125; }
find "$jobs" -mindepth 1 -maxdepth 1 -mmin +60 -exec rm -rf -- {} + 2>/dev/null || true
setsid -f /bin/bash -c '
  d=$1 t=$2 g=$3; shift 3
  start=$(date +%s)
  timeout -k "$g" "$t" /usr/bin/env -i "$@" >"$d/stdout" 2>"$d/stderr"
  code=$?
  printf "%s %s\\n" "$code" "$(($(date +%s) - start))" >"$d/status.tmp" && mv -f -- "$d/status.tmp" "$d/status"
' job "$d" "$t" "$g" "$@"
finish
`;

/** Quote one word for the remote login shell (POSIX sh). */
export const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * The one string ssh sends: the runner under `sudo -n` (unless the user is root), then its arguments. The
 * environment's values are the hook's non-secret variables; secrets never appear here (they go on stdin).
 */
export function startCommand(input: {
  readonly user: string;
  readonly jobId: string;
  readonly timeoutSec: number;
  readonly graceSec: number;
  readonly env: Readonly<Record<string, string>>;
  readonly argv: readonly string[];
}): string {
  const vars = Object.entries({ PATH: HOST_PATH, ...input.env }).map(([k, v]) => `${k}=${v}`);
  const args = ['start', input.jobId, String(input.timeoutSec), String(input.graceSec), ...vars, ...input.argv];
  return runnerCommand(input.user, args);
}

/** Attach to a job started earlier on the server (after the connection was lost). */
export const attachCommand = (user: string, jobId: string) => runnerCommand(user, ['attach', jobId]);

function runnerCommand(user: string, args: readonly string[]): string {
  const sudo = user === 'root' ? [] : ['sudo', '-n', '--'];
  return [...sudo, '/bin/bash', '-c', RUNNER, 'tarmac-run', ...args].map(shellQuote).join(' ');
}

/** The job's result from the runner's stderr: its status line, or that the server never heard of it. */
export function parseJobEnd(
  stderr: string,
): { kind: 'ended'; code: number; seconds: number; stderr: string } | { kind: 'unknown' } | { kind: 'lost' } {
  const lines = stderr.replace(/\n$/, '').split('\n');
  const last = lines.at(-1) ?? '';
  if (last === UNKNOWN_MARK) return { kind: 'unknown' };
  const match = new RegExp(`^${STATUS_MARK} (\\d+) (\\d+)$`).exec(last);
  if (!match) return { kind: 'lost' };
  // The runner puts a newline before the mark: drop it and the mark.
  const rest = lines.slice(0, -1).join('\n');
  return { kind: 'ended', code: Number(match[1]), seconds: Number(match[2]), stderr: rest.replace(/\n$/, '') };
}
