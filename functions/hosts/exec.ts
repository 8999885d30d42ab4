import { type RunResult, run } from './run';
import type { HostRecord } from './state';

export interface ExecOptions {
  /** The only environment the command gets (besides PATH). Never put secret values here. */
  readonly env?: Readonly<Record<string, string>>;
  readonly input?: string | Uint8Array;
  /** A local file streamed to the command's stdin (instead of `input`). */
  readonly inputFile?: string;
  /** Kill the command's whole process group past this (SIGTERM, then SIGKILL). */
  readonly timeoutMs?: number;
  readonly killGraceMs?: number;
}

export type ExecResult = RunResult;

export const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The argv that runs `argv` inside a host as root in all its namespaces, with a clean environment:
 * `nsenter -t <pid1> -a -- /usr/bin/env -i PATH=… K=V… argv…`. Plain data, so it is tested by equality.
 */
export function execArgv(
  host: Pick<HostRecord, 'pid1'>,
  argv: readonly string[],
  env: Readonly<Record<string, string>> = {},
): string[] {
  const vars = Object.entries({ PATH: HOST_PATH, ...env }).map(([k, v]) => `${k}=${v}`);
  return ['nsenter', '-t', String(host.pid1), '-a', '--', '/usr/bin/env', '-i', ...vars, ...argv];
}

/** Run a command inside a host and wait for it (see {@link run} for the timeout and output rules). */
export function execIn(host: Pick<HostRecord, 'pid1'>, argv: readonly string[], options: ExecOptions = {}) {
  return run(execArgv(host, argv, options.env), {
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.inputFile !== undefined ? { inputFile: options.inputFile } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
  });
}
