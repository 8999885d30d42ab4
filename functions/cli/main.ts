import { Command, CommanderError } from 'commander';
import { TarmacError } from '../core/errors';
import { registerAccess } from './commands/access';
import { registerConfig } from './commands/config';
import { registerDeploy } from './commands/deploy';
import { registerFleet } from './commands/fleet';
import { registerHosts } from './commands/hosts';
import { registerInit } from './commands/init';
import { registerRelease } from './commands/release';
import { registerReleases } from './commands/releases';
import { registerRender } from './commands/render';
import { registerSecrets } from './commands/secrets';
import { registerServe } from './commands/serve';
import { registerTokens } from './commands/tokens';
import { type Output, stdOutput } from './output';
import { guardServerOption } from './server-mode';

/** Options every command shares (README.md, "Using it locally": the CLI's documented contract). */
export interface GlobalOptions {
  readonly config: string;
  readonly data: string;
  readonly server?: string;
  readonly json?: boolean;
}

export function buildProgram(out: Output): Command {
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
  for (const register of [
    registerInit,
    registerConfig,
    registerSecrets,
    registerRelease,
    registerReleases,
    registerRender,
    registerDeploy,
    registerServe,
    registerHosts,
    registerFleet,
    registerAccess,
    registerTokens,
  ]) {
    register(program, out);
  }
  // --server: a command not marked remoteCapable refuses it before it runs (cli/server-mode.ts).
  guardServerOption(program);
  return program;
}

/** Run the CLI; returns the exit status. Errors print their message (never a stack trace) and exit 1. */
export async function main(argv: readonly string[], out: Output = stdOutput()): Promise<number> {
  const program = buildProgram(out);
  try {
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
