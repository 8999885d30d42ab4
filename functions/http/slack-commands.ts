import { type ChatCommand, chatHelp, parseChatCommand } from '../core/chat';
import { findEnvironment, unknownNameMessage } from '../core/config';
import type { TarmacConfig } from '../core/config/schema';
import type { Job } from '../core/jobs';

/** Who asked, where, and where to report progress. */
export interface SlackRequester {
  readonly userId: string;
  readonly userName?: string | undefined;
  readonly channelId: string;
  readonly responseUrl: string;
  readonly triggerId: string;
  readonly slashCommand: string;
}

/** What to do with a slash command: answer right away, enqueue a job, or read state. */
export type SlackDecision =
  | { readonly kind: 'reply'; readonly text: string; readonly mention?: string }
  | { readonly kind: 'enqueue'; readonly job: Job; readonly text: string }
  | { readonly kind: 'read'; readonly command: Extract<ChatCommand, { kind: ReadKind }> };

type ReadKind = 'status' | 'history' | 'releases';
type Mutating = Exclude<ChatCommand, { kind: ReadKind | 'help' }>;
const READS: readonly string[] = ['status', 'history', 'releases'] satisfies ReadKind[];
const isRead = (c: ChatCommand): c is Extract<ChatCommand, { kind: ReadKind }> => READS.includes(c.kind);

/**
 * Decide what a slash command means for this configuration. Pure. Unknown names and users or channels not
 * allowed for the environment (`apps.<app>.environments.<env>.chat`) give a reply and no job.
 */
export function decideSlackCommand(
  config: TarmacConfig,
  text: string,
  who: SlackRequester,
  correlationId: string,
): SlackDecision {
  const parsed = parseChatCommand(text, who.slashCommand);
  if (!parsed.ok) return { kind: 'reply', text: `${parsed.error}\n\n${parsed.help}` };
  const command = parsed.command;
  if (command.kind === 'help') return { kind: 'reply', text: chatHelp(who.slashCommand) };
  const unknown = unknownName(config, command);
  if (unknown) return { kind: 'reply', text: unknown };
  if (isRead(command)) return { kind: 'read', command };
  const env = command.kind === 'promote' ? command.to : command.env;
  if (!allowed(config, command.app, env, who)) {
    return {
      kind: 'reply',
      mention: who.userId,
      text: `may not ${command.kind} ${command.app}/${env} from this channel — the users and channels allowed are set in tarmac.yml (apps.${command.app}.environments.${env}.chat). Nothing was queued.`,
    };
  }
  return { kind: 'enqueue', job: jobOf(command, who, correlationId), text: `Queued: ${describe(command)}.` };
}

/** Omitted `chat`: anyone. Otherwise a non-empty `users` list must contain the user and a non-empty `channels` list the channel. */
export function allowed(config: TarmacConfig, app: string, env: string, who: SlackRequester): boolean {
  const chat = findEnvironment(config, app, env)?.chat;
  if (!chat) return true;
  const userOk = chat.users.length === 0 || chat.users.includes(who.userId);
  const channelOk = chat.channels.length === 0 || chat.channels.includes(who.channelId);
  return userOk && channelOk;
}

function unknownName(config: TarmacConfig, command: Exclude<ChatCommand, { kind: 'help' }>): string | undefined {
  if (!('app' in command) || command.app === undefined) return undefined;
  const envs = [
    ...('env' in command ? [command.env] : []),
    ...(command.kind === 'promote' ? [command.from, command.to] : []),
  ];
  return unknownNameMessage(config, command.app, envs);
}

function jobOf(command: Mutating, who: SlackRequester, correlationId: string): Job {
  const by = who.userName ? `@${who.userName}` : who.userId;
  const base = { v: 1, idempotencyKey: `slack:${who.triggerId}`, correlationId, app: command.app } as const;
  const replyTo = { slackResponseUrl: who.responseUrl };
  switch (command.kind) {
    case 'deploy': {
      const ref = command.ref === undefined ? {} : { ref: command.ref };
      return { ...base, type: 'deploy', env: command.env, ...ref, trigger: 'slack', requestedBy: by, replyTo };
    }
    case 'rollback':
      return { ...base, type: 'rollback', env: command.env, requestedBy: by, replyTo };
    case 'promote':
      return { ...base, type: 'promote', from: command.from, to: command.to, requestedBy: by, replyTo };
    case 'lock':
      return { ...base, type: 'lock', env: command.env, reason: command.reason ?? '(no reason given)', by, replyTo };
    case 'unlock':
      return { ...base, type: 'unlock', env: command.env, by, replyTo };
    case 'abort': {
      const reason = command.reason === undefined ? {} : { reason: command.reason };
      return { ...base, type: 'abort', env: command.env, ...reason, by, replyTo };
    }
    case 'maintenance': {
      const reason = command.reason === undefined ? {} : { reason: command.reason };
      return { ...base, type: 'maintenance', env: command.env, on: command.on, ...reason, by, replyTo };
    }
  }
}

function describe(command: Mutating): string {
  switch (command.kind) {
    case 'deploy':
      return `deploy ${command.app} ${command.ref ?? '(newest release)'} to ${command.env}`;
    case 'promote':
      return `promote ${command.app} ${command.from} to ${command.to}`;
    case 'lock':
    case 'abort':
      return `${command.kind} ${command.app}/${command.env}${command.reason ? ` ("${command.reason}")` : ''}`;
    case 'maintenance':
      return `maintenance ${command.on ? 'on' : 'off'} ${command.app}/${command.env}`;
    default:
      return `${command.kind} ${command.app}/${command.env}`;
  }
}
