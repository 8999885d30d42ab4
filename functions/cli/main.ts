import { Command, CommanderError } from 'commander';
import { TarmacError } from '../core/errors';
import { COMMANDS, invokedCommand } from './commands';
import { type Output, stdOutput } from './output';
import { guardServerOption } from './server-mode';

/** Options every command shares (README.md, "Using it locally": the CLI's documented contract). */
export interface GlobalOptions {
  readonly config: string;
  readonly data: string;
  readonly server?: string;
  readonly json?: boolean;
}

/**
 * The program for `argv`: the global options, the module of the command it runs (only that one is loaded:
 * a start-up parses what it uses), and every other command as a name and summary for `tarmac --help`.
 */
export async function buildProgram(out: Output, argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('tarmac')
    .description('Deploy release tarballs (Elixir/OTP first) to fleets of systemd hosts.')
    .option('--config <file>', 'configuration file', './tarmac.yml')
    .option('--data <dir>', 'local mode state directory', './.tarmac')
    .option(
      '--server <url>',
      "run the command on this tarmac server (tarmac serve, or the stack's ServerUrl); token from TARMAC_TOKEN",
    )
    .option('--json', 'print data as JSON')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => out.error(s) });
  const invoked = COMMANDS.find((entry) => entry.name === invokedCommand(argv));
  if (invoked) (await invoked.load())(program, out);
  const registered = new Set(program.commands.map((command) => command.name()));
  for (const entry of COMMANDS) {
    if (!registered.has(entry.name)) program.command(entry.name).description(entry.summary);
  }
  // --server: a command not marked remoteCapable refuses it before it runs (cli/server-mode.ts).
  guardServerOption(program);
  return program;
}

/** Run the CLI; returns the exit status. Errors print their message (never a stack trace) and exit 1. */
export async function main(argv: readonly string[], out: Output = stdOutput()): Promise<number> {
  try {
    const program = await buildProgram(out, argv);
    await program.parseAsync([...argv]);
    return out.exitCode ?? 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof TarmacError) {
      out.error(`error: ${error.message}\n`);
      return 1;
    }
    out.error(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
