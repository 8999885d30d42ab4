import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { TarmacError } from '../../core/errors';

/** A Session Manager session that runs one command on an instance, with a terminal. */
export interface SessionCall {
  readonly target: string;
  /** The shell command line the session runs (`AWS-StartInteractiveCommand`'s `command`). */
  readonly command: string;
}

export const SESSION_PLUGIN = 'session-manager-plugin';
const INSTALL_URL =
  'https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html';

/** `aws ssm start-session …` for a call: what runs, and what an operator can run by hand. */
export function sessionArgv(call: SessionCall): string[] {
  return [
    'aws',
    'ssm',
    'start-session',
    '--target',
    call.target,
    '--document-name',
    'AWS-StartInteractiveCommand',
    '--parameters',
    JSON.stringify({ command: [call.command] }),
  ];
}

/** The argv as one line a shell reads back as the same words. */
export const shellWords = (argv: readonly string[]) =>
  argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');

/** The AWS CLI hands the session to this plugin; without it `aws ssm start-session` cannot open a terminal. */
export class SessionPluginMissingError extends TarmacError {
  constructor(readonly argv: readonly string[]) {
    super(
      `the Session Manager plugin (${SESSION_PLUGIN}) is not on PATH, so no terminal can be opened through SSM — install it (${INSTALL_URL}), then run tarmac again, or run this yourself:\n  ${shellWords(argv)}`,
      { plugin: SESSION_PLUGIN },
    );
    this.name = 'SessionPluginMissingError';
  }
}

/** Whether an executable of that name is on PATH. */
export function onPath(name: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Run `aws ssm start-session` attached to this terminal; resolves with its exit status. */
export async function startSession(call: SessionCall): Promise<number | null> {
  const argv = sessionArgv(call);
  if (!onPath(SESSION_PLUGIN)) throw new SessionPluginMissingError(argv);
  if (!onPath('aws'))
    throw new TarmacError(
      `the AWS CLI (aws) is not on PATH — install it, or run this yourself:\n  ${shellWords(argv)}`,
    );
  const [command, ...args] = argv as [string, ...string[]];
  const child = spawn(command, args, { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
}
