import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { TarmacError } from '../../core/errors';
import type { ConsoleOpening } from '../../ports';

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

/** A session the server started (`console --server` on AWS), as the client receives it. */
export type StartedSession = Extract<ConsoleOpening, { kind: 'ssm' }>;

/** The last plugin that takes the StartSession answer only as an argument (newer ones read it from a variable). */
const LAST_PLUGIN_WITHOUT_ENV = [1, 2, 497, 0];
export const SESSION_RESPONSE_ENV = 'AWS_SSM_START_SESSION_RESPONSE';

/**
 * How `aws ssm start-session` hands a session to the plugin (awscli/customizations/sessionmanager.py):
 * `session-manager-plugin <answer> <region> StartSession <profile> <request> <endpoint>`, where the answer
 * (SessionId, TokenValue, StreamUrl) goes through {@link SESSION_RESPONSE_ENV} for plugins newer than 1.2.497.0
 * and as the argument itself for older ones. No profile: the session is already started and authorised.
 */
export function pluginInvocation(session: StartedSession, pluginVersion: string) {
  const answer = JSON.stringify({
    SessionId: session.sessionId,
    TokenValue: session.tokenValue,
    StreamUrl: session.streamUrl,
  });
  const viaEnv = newerThan(pluginVersion.replace(/\s+/g, ''), LAST_PLUGIN_WITHOUT_ENV);
  const argv = [
    SESSION_PLUGIN,
    viaEnv ? SESSION_RESPONSE_ENV : answer,
    session.region,
    'StartSession',
    '',
    JSON.stringify(session.request),
    `https://ssm.${session.region}.amazonaws.com`,
  ];
  return { argv, env: viaEnv ? { [SESSION_RESPONSE_ENV]: answer } : {} };
}

function newerThan(version: string, than: readonly number[]): boolean {
  if (!/^\d+(\.\d+){0,3}$/.test(version)) return false;
  const parts = version.split('.').map(Number);
  for (let i = 0; i < than.length; i++) {
    const a = parts[i] ?? 0;
    const b = than[i] ?? 0;
    if (a !== b) return a > b;
  }
  return false;
}

/**
 * Open a session the server started with the local Session Manager plugin, attached to this terminal.
 * Without the plugin the session is terminated first (through the server, which holds the rights), then
 * the error says what to install.
 */
export async function pluginSession(session: StartedSession, terminate: () => Promise<void>): Promise<number | null> {
  if (!onPath(SESSION_PLUGIN)) {
    const ended = await terminate().then(
      () => `session ${session.sessionId} was terminated`,
      () => `session ${session.sessionId} could not be terminated and ends on its own when idle`,
    );
    throw new TarmacError(
      `the Session Manager plugin (${SESSION_PLUGIN}) is not on PATH, so no terminal can be opened through SSM (${ended}) — install it (${INSTALL_URL}), then run tarmac console again`,
      { plugin: SESSION_PLUGIN, sessionId: session.sessionId },
    );
  }
  const version = spawnSync(SESSION_PLUGIN, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  const { argv, env } = pluginInvocation(session, version);
  const [command, ...args] = argv as [string, ...string[]];
  // Like the AWS CLI: Ctrl-C and friends are the plugin's to forward to the session, not ours.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  }).finally(() => process.off('SIGINT', ignore));
}
