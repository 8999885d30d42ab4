import { randomUUID } from 'node:crypto';
import type { ExecOptions, ExecResult } from '../exec';
import { run } from '../run';
import { type SshTarget, sessionArgv } from './args';
import { attachCommand, parseJobEnd, startCommand } from './remote-job';

/** How long to keep trying to reach a server again after a dropped connection, beyond the job's own time. */
const REATTACH_SLACK_MS = 60_000;

export interface SessionDeps {
  /** Make sure the master connection is up (throws the reason when it cannot be). */
  readonly connect: (target: SshTarget) => Promise<void>;
  readonly onLost?: (target: SshTarget, jobId: string, why: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Run one command on a server as a job of the remote runner, and wait for its end. When the connection
 * drops before the runner printed the job's status, the command is not started again: tarmac reconnects
 * and attaches to the same job until it knows how it ended (or the server stays unreachable past the job's
 * timeout, and the caller is told so).
 */
export async function execOverSsh(
  deps: SessionDeps,
  target: SshTarget,
  argv: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const timeoutSec = Math.max(1, Math.ceil((options.timeoutMs ?? 3_600_000) / 1000));
  const graceSec = Math.max(1, Math.ceil((options.killGraceMs ?? 5_000) / 1000));
  const jobId = randomUUID();
  const command = startCommand({ user: target.user, jobId, timeoutSec, graceSec, env: options.env ?? {}, argv });
  await deps.connect(target);
  // The local side only waits a little longer than the remote timeout: the runner kills the command itself.
  const localLimit = (timeoutSec + graceSec) * 1000 + 30_000;
  const first = await run(sessionArgv(target, command), {
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.inputFile !== undefined ? { inputFile: options.inputFile } : {}),
    timeoutMs: localLimit,
    killGraceMs: 1_000,
  });
  let end = parseJobEnd(first.stderr);
  let result = first;
  const deadline = Date.now() + localLimit + REATTACH_SLACK_MS;
  while (end.kind === 'lost') {
    if (first.code !== 255 && result === first) {
      // Not a connection problem: the runner could not start (sudo refused, no bash): report as is.
      return { ...first, timedOut: false };
    }
    deps.onLost?.(target, jobId, result.stderr.trim().split('\n').at(-1) ?? '');
    if (Date.now() > deadline) {
      throw new Error(
        `lost the connection to ${target.name} while it ran ${argv[0]} and could not reach it again — its fate is unknown: ${result.stderr.trim()}`,
      );
    }
    await (deps.sleep ?? defaultSleep)(1_000);
    try {
      await deps.connect(target);
    } catch {
      continue;
    }
    result = await run(sessionArgv(target, attachCommand(target.user, jobId)), { timeoutMs: localLimit });
    end = parseJobEnd(result.stderr);
  }
  if (end.kind === 'unknown') {
    // The connection dropped before the runner created the job: the command never ran.
    return {
      code: 255,
      signal: null,
      stdout: '',
      stderr: `${argv[0]} was never started on ${target.name}: the connection dropped first`,
      output: '',
      timedOut: false,
    };
  }
  const timedOut = end.code === 124 || (end.code === 137 && end.seconds >= timeoutSec);
  return {
    code: end.code,
    signal: null,
    stdout: result.stdout,
    stderr: end.stderr,
    output: `${result.stdout}${end.stderr}`,
    timedOut,
  };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
