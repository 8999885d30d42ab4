import { TarmacError } from '../../core/errors';
import { type Access, type AccessOptions, openAccess, refuseServer } from '../access/context';
import { type LogsRequest, showLogs } from '../access/logs';
import type { Output } from '../output';

// How `tarmac logs`, `eval` and `console` (access.ts) read their flags and open or follow what they show.

/** A whole number from a flag, or an error naming the flag and the value. */
export function count(flag: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) {
    throw new TarmacError(`${flag} must be a whole number from 1 to ${max} (given ${value})`, { flag, value });
  }
  return n;
}

/** `--aws` reaches the hosts from here; `--server` has the server reach them: not both. */
export function refuseAwsWithServer(options: AccessOptions, command: string): void {
  if (options.aws) {
    throw new TarmacError(
      `tarmac ${command}: --aws and --server both say how to reach the hosts — drop --aws (the server reaches its own hosts)`,
    );
  }
}

/** Show logs until done (or, with `follow`, until Ctrl-C); the hosts that could not be read. */
export async function followLogs(
  out: Output,
  request: Pick<LogsRequest, 'source' | 'query' | 'follow' | 'pollMs' | 'json'>,
): Promise<string[]> {
  const stop = new AbortController();
  const onInt = () => stop.abort();
  process.once('SIGINT', onInt);
  try {
    return await showLogs({ ...request, signal: stop.signal, out, now: () => Date.now() / 1000 });
  } finally {
    process.off('SIGINT', onInt);
  }
}

/** Run with an opened instance, closing it afterwards. */
export async function withAccess<T>(
  options: AccessOptions,
  app: string,
  env: string,
  what: string,
  fn: (a: Access) => Promise<T>,
) {
  refuseServer(options, what);
  const access = await openAccess(options, app, env, `tarmac ${what}`);
  try {
    return await fn(access);
  } finally {
    await access.close();
  }
}
