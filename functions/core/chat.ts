/**
 * The Slack command grammar. Pure: text in, a typed command or a parse error (with the help text) out.
 * Names are checked against the configuration by the caller; the grammar only checks shape. An
 * environment is never implied: `deploy hello` is an error, not a deploy to some default environment.
 */
export type ChatCommand =
  | { readonly kind: 'deploy'; readonly app: string; readonly env: string; readonly ref?: string }
  | { readonly kind: 'rollback'; readonly app: string; readonly env: string }
  | { readonly kind: 'promote'; readonly app: string; readonly from: string; readonly to: string }
  | { readonly kind: 'lock'; readonly app: string; readonly env: string; readonly reason?: string }
  | { readonly kind: 'unlock'; readonly app: string; readonly env: string }
  | { readonly kind: 'abort'; readonly app: string; readonly env: string; readonly reason?: string }
  | {
      readonly kind: 'maintenance';
      readonly app: string;
      readonly env: string;
      readonly on: boolean;
      readonly reason?: string;
    }
  | { readonly kind: 'status'; readonly app?: string }
  | { readonly kind: 'history'; readonly app: string; readonly env: string }
  | { readonly kind: 'releases'; readonly app: string }
  | { readonly kind: 'help' };

export type ChatParseResult =
  | { readonly ok: true; readonly command: ChatCommand }
  | { readonly ok: false; readonly error: string; readonly help: string };

/** Usage lines, one per subcommand; also the answer to `help` and to anything unparseable. */
export const CHAT_USAGE = [
  'deploy <app> [<version|sha|branch>] to <env>',
  'rollback <app> <env>',
  'promote <app> <from-env> to <to-env>',
  'lock <app> <env> [reason…]',
  'unlock <app> <env>',
  'abort <app> <env> [reason…]',
  'maintenance on|off <app> <env> [reason…]',
  'status [<app>]',
  'history <app> <env>',
  'releases <app>',
  'help',
] as const;

/** The help text, e.g. for `/tarmac help`. */
export function chatHelp(command = '/tarmac'): string {
  return ['Usage:', ...CHAT_USAGE.map((line) => `  ${command} ${line}`)].join('\n');
}

const NAME = /^[a-z][a-z0-9-]{0,30}$/;
const REF = /^[A-Za-z0-9][A-Za-z0-9._+/-]{0,127}$/;

type Words = readonly string[];

const parsers: Record<string, (args: Words) => ChatCommand | string> = {
  deploy: (args) => {
    const at = args.lastIndexOf('to');
    if (at === -1 || at === args.length - 1) return 'name the environment: deploy <app> [<version>] to <env>';
    if (at !== args.length - 2) return 'nothing may follow the environment: deploy <app> [<version>] to <env>';
    const [app, ref, ...extra] = args.slice(0, at);
    const env = args[at + 1] as string;
    if (!app) return 'name the app: deploy <app> [<version>] to <env>';
    if (extra.length > 0) return `expected at most one version before "to", got "${args.slice(1, at).join(' ')}"`;
    if (ref !== undefined && !REF.test(ref)) return `"${ref}" is not a version, sha or branch`;
    return names({ kind: 'deploy', app, env, ...(ref === undefined ? {} : { ref }) }, [app, env]);
  },
  rollback: (args) => appEnv(args, 'rollback <app> <env>', (app, env) => ({ kind: 'rollback', app, env })),
  promote: (args) => {
    if (args.length !== 4 || args[2] !== 'to') return 'expected: promote <app> <from-env> to <to-env>';
    const [app, from, , to] = args as [string, string, string, string];
    if (from === to) return `promote needs two different environments, got "${from}" twice`;
    return names({ kind: 'promote', app, from, to }, [app, from, to]);
  },
  lock: (args) => {
    const [app, env, ...reason] = args;
    if (!app || !env) return 'expected: lock <app> <env> [reason…]';
    const text = reason.join(' ').trim();
    return names({ kind: 'lock', app, env, ...(text ? { reason: text } : {}) }, [app, env]);
  },
  unlock: (args) => appEnv(args, 'unlock <app> <env>', (app, env) => ({ kind: 'unlock', app, env })),
  abort: (args) => {
    const [app, env, ...reason] = args;
    if (!app || !env) return 'expected: abort <app> <env> [reason…]';
    const text = reason.join(' ').trim();
    return names({ kind: 'abort', app, env, ...(text ? { reason: text } : {}) }, [app, env]);
  },
  maintenance: (args) => {
    const [mode, app, env, ...reason] = args;
    if ((mode !== 'on' && mode !== 'off') || !app || !env) return 'expected: maintenance on|off <app> <env> [reason…]';
    const text = reason.join(' ').trim();
    return names({ kind: 'maintenance', app, env, on: mode === 'on', ...(text ? { reason: text } : {}) }, [app, env]);
  },
  status: (args) => {
    if (args.length > 1) return 'expected: status [<app>]';
    const [app] = args;
    return app === undefined ? { kind: 'status' } : names({ kind: 'status', app }, [app]);
  },
  history: (args) => appEnv(args, 'history <app> <env>', (app, env) => ({ kind: 'history', app, env })),
  releases: (args) => {
    const [app, ...extra] = args;
    if (app === undefined || extra.length > 0) return 'expected: releases <app>';
    return names({ kind: 'releases', app }, [app]);
  },
  help: () => ({ kind: 'help' }),
};

/** A subcommand of exactly `<app> <env>`. */
function appEnv(args: Words, usage: string, build: (app: string, env: string) => ChatCommand): ChatCommand | string {
  const [app, env, ...extra] = args;
  if (app === undefined || env === undefined || extra.length > 0) return `expected: ${usage}`;
  return names(build(app, env), [app, env]);
}

function names(command: ChatCommand, values: Words): ChatCommand | string {
  const bad = values.find((value) => !NAME.test(value));
  return bad === undefined ? command : `"${bad}" is not an app or environment name (lowercase letters, digits, -)`;
}

/**
 * Parse the text after the slash command.
 *
 * @example
 *   parseChatCommand('deploy hello 1.4.2 to staging')
 *   // → { ok: true, command: { kind: 'deploy', app: 'hello', env: 'staging', ref: '1.4.2' } }
 */
export function parseChatCommand(text: string, slashCommand = '/tarmac'): ChatParseResult {
  const [verb, ...args] = text.trim().split(/\s+/).filter(Boolean);
  const fail = (error: string): ChatParseResult => ({ ok: false, error, help: chatHelp(slashCommand) });
  if (verb === undefined) return fail('no command given');
  const parse = Object.hasOwn(parsers, verb.toLowerCase()) ? parsers[verb.toLowerCase()] : undefined;
  if (!parse) return fail(`unknown command "${verb}"`);
  const result = parse(args);
  return typeof result === 'string' ? fail(result) : { ok: true, command: result };
}

/**
 * Escape text for Slack (`text` fields and mrkdwn): `&`, `<` and `>` become entities, as Slack's
 * formatting docs require, so text a user typed (a lock reason, a name) can never become a mention
 * (`<!channel>`), a disguised link (`<http://x|y>`) or a user ping. Emphasis characters stay: they only style.
 *
 * @example escapeSlack('<!channel> & <http://x|y>') // '&lt;!channel&gt; &amp; &lt;http://x|y&gt;'
 */
export function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Undo {@link escapeSlack}: Slack sends `&`, `<` and `>` typed by a user as entities; keep the plain text. */
export function unescapeSlack(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}
