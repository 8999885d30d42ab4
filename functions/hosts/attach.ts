import { spawn } from 'node:child_process';
import { execArgv } from './exec';
import type { HostRecord } from './state';

/**
 * Run a command inside a host with this process's stdin, stdout and stderr (`tarmac console`: the terminal
 * goes straight through), and resolve with its exit status. The caller keeps running meanwhile but ignores
 * SIGINT: a Ctrl-C typed at the terminal is the command's to handle.
 */
export function attachIn(
  host: Pick<HostRecord, 'pid1'>,
  argv: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<number | null> {
  const [command, ...args] = execArgv(host, argv, env) as [string, ...string[]];
  const ignore = () => {};
  process.on('SIGINT', ignore);
  const child = spawn(command, args, { stdio: 'inherit' });
  return new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  }).finally(() => process.off('SIGINT', ignore));
}
