/**
 * `--server`: one rule for every command. A command either runs against the server (mark it with
 * {@link remoteCapable} where it is registered, and branch on {@link serverFor} in its action), or it refuses
 * `--server` before it runs — never a silent local run. The refusal is automatic: {@link guardServerOption}
 * (installed once in main.ts) checks every command before its action, so a new command is safe by default.
 *
 * @example
 *   remoteCapable(program.command('logs'))
 *     .action(async () => {
 *       const server = serverFor(program.opts<GlobalOptions>());
 *       if (server) return show(await server.get('/…'));   // remote
 *       await withLocalRuntime(options, …);                   // local
 *     });
 */
import type { Command } from 'commander';
import { TarmacError } from '../core/errors';
import type { GlobalOptions } from './main';
import { ServerClient } from './server-client';

const CAPABLE = new WeakSet<Command>();

/** `--server` was given to a command that cannot use it. */
export class ServerNotSupportedError extends TarmacError {
  constructor(command: string | undefined, server: string) {
    const what = command === undefined ? 'this command' : `"tarmac ${command}"`;
    super(`${what} does not work with --server (${server}) yet — run it where its data is, without --server`, {
      command,
      server,
    });
    this.name = 'ServerNotSupportedError';
  }
}

/** Mark a command as one whose action handles `--server` itself (see {@link serverFor}). */
export function remoteCapable<C extends Command>(command: C): C {
  CAPABLE.add(command);
  return command;
}

/** Refuse `--server` for every command not marked {@link remoteCapable}, before its action runs. */
export function guardServerOption(program: Command): void {
  program.hook('preAction', (_program, action) => {
    const server = program.opts<GlobalOptions>().server;
    if (server !== undefined && !CAPABLE.has(action)) throw new ServerNotSupportedError(pathOf(action), server);
  });
}

/** The server's client when `--server` is given (the command then runs remotely), else undefined (local). */
export function serverFor(options: Pick<GlobalOptions, 'server'>): ServerClient | undefined {
  return options.server === undefined ? undefined : new ServerClient(options.server);
}

function pathOf(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
