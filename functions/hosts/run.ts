import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { HostError } from './errors';

export interface RunOptions {
  /** Environment of the process; omitted: inherit none beyond PATH. */
  readonly env?: Readonly<Record<string, string>>;
  /** Written to stdin, which is then closed. */
  readonly input?: string | Uint8Array;
  /** A file streamed to stdin instead of `input` (release tarballs: never held in memory whole). */
  readonly inputFile?: string;
  /** Kill the whole process group (SIGTERM, then SIGKILL after `killGraceMs`) past this. */
  readonly timeoutMs?: number;
  readonly killGraceMs?: number;
  /** Keep at most this many bytes of each stream (the end of it). Default 1 MiB. */
  readonly maxOutputBytes?: number;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved as they arrived (the end of it), for hook tails. */
  readonly output: string;
  readonly timedOut: boolean;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Run a command on the machine in a process group of its own and wait until it exited and closed its output.
 * A timeout kills the group, not only the leader: hooks start children (tar, the release's VM) that must go
 * too. Never throws for a non-zero exit; the caller decides.
 */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [command, ...args] = argv;
  if (!command) throw new HostError('run: empty argv — pass the command and its arguments', { argv });
  const max = options.maxOutputBytes ?? 1 << 20;
  const feeds = options.input !== undefined || options.inputFile !== undefined;
  const child = spawn(command, args, {
    detached: true,
    env: options.env ?? { PATH: DEFAULT_PATH },
    // Without input, stdin is /dev/null: a pipe from Node is a socket, and bash with a socket on stdin takes
    // itself for a remote shell and sources ~/.bashrc (the machine's own, in a test host) before every hook.
    stdio: [feeds ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
  const streams = { stdout: '', stderr: '', output: '' };
  const keep = (key: keyof typeof streams, chunk: string) => {
    const next = streams[key] + chunk;
    streams[key] = next.length > max ? next.slice(next.length - max) : next;
  };
  for (const key of ['stdout', 'stderr'] as const) {
    child[key].setEncoding('utf8');
    child[key].on('data', (chunk: string) => {
      keep(key, chunk);
      keep('output', chunk);
    });
  }
  const stdin = child.stdin;
  stdin?.on('error', () => {}); // a command that does not read its stdin closes it early
  if (stdin && options.inputFile !== undefined) {
    const file = createReadStream(options.inputFile);
    file.on('error', () => stdin.destroy());
    file.pipe(stdin);
  } else {
    stdin?.end(options.input ?? '');
  }

  let timedOut = false;
  const timers: NodeJS.Timeout[] = [];
  if (options.timeoutMs !== undefined) {
    timers.push(
      setTimeout(() => {
        timedOut = true;
        killGroup(child.pid, 'SIGTERM');
        timers.push(
          setTimeout(() => {
            killGroup(child.pid, 'SIGKILL');
            // A process that left the group (setsid) may still hold our pipes: stop waiting for it.
            timers.push(setTimeout(() => closePipes(child), 1_000));
          }, options.killGraceMs ?? 5_000),
        );
      }, options.timeoutMs),
    );
  }
  return new Promise((resolve, reject) => {
    child.on('error', (error) => {
      for (const t of timers) clearTimeout(t);
      reject(error);
    });
    child.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      resolve({ code, signal, ...streams, timedOut });
    });
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function closePipes(child: { stdout: Readable; stderr: Readable }): void {
  child.stdout.destroy();
  child.stderr.destroy();
}

/** The last `lines` lines of a text, for event tails and error messages. */
export function tail(text: string, lines = 20): string {
  const all = text.trimEnd().split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}
