import { Hono } from 'hono';
import * as z from 'zod';
import { escapeSlack, unescapeSlack } from '../../core/chat';
import { historyBlocks, statusBlocks } from '../../core/chat-blocks';
import { formatAge } from '../../core/clock';
import { findApp } from '../../core/config';
import type { EnvironmentSummary } from '../../core/summaries';
import { limitBody } from '../body-limit';
import type { AppDeps, AppEnv } from '../deps';
import { enqueueOnce } from '../enqueue';
import { methodNotAllowed, problem, requireContentType, tooLarge } from '../responses';
import type { IntakeSecrets } from '../secrets';
import { rawBody, slackSignature } from '../signatures';
import { decideSlackCommand, type SlackDecision } from '../slack-commands';
import { releasesText } from '../slack-releases';

const MAX_BYTES = 32 * 1024;

/** Progress goes back to `response_url`: only ever to Slack, over HTTPS. */
const slackUrl = z.url().refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' && (url.hostname === 'slack.com' || url.hostname.endsWith('.slack.com'));
}, 'must be an https://…slack.com URL');

const formSchema = z.object({
  command: z.string().default('/tarmac'),
  text: z.string().default(''),
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  channel_id: z.string().min(1),
  response_url: slackUrl,
  trigger_id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be a Slack trigger id'),
});

/** `POST /slack/commands`: the slash command. Always 200 with an ephemeral message for anything a user typed. */
export function slackRoutes(deps: AppDeps, secrets: IntakeSecrets): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.post(
    '/commands',
    requireContentType(['application/x-www-form-urlencoded'], 'Slack sends slash commands form-encoded'),
    limitBody(MAX_BYTES, tooLarge(MAX_BYTES)),
    async (c, next) => {
      // Slack's certificate check: acknowledge, do nothing (it may arrive unsigned, and changes nothing).
      const form = new URLSearchParams(new TextDecoder().decode(await rawBody(c)));
      if (form.get('ssl_check') === '1') return c.body(null, 200);
      await next();
    },
    slackSignature({ secret: () => secrets.require('slack_signing_secret'), clock: deps.clock }),
    async (c) => {
      const parsed = formSchema.safeParse(
        Object.fromEntries(new URLSearchParams(new TextDecoder().decode(c.get('rawBody')))),
      );
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const path = issue?.path.join('.') || '(root)';
        return problem(c, 400, `slash command: ${path}: ${issue?.message ?? 'invalid'}`, { path });
      }
      const form = parsed.data;
      const correlationId = c.get('correlationId');
      const who = {
        userId: form.user_id,
        userName: form.user_name,
        channelId: form.channel_id,
        responseUrl: form.response_url,
        triggerId: form.trigger_id,
        slashCommand: form.command,
      };
      // Slack sends what the user typed with & < > as entities: work on (and store) the plain text.
      const decision = decideSlackCommand(deps.config, unescapeSlack(form.text), who, correlationId);
      c.get('log').info({ user: form.user_id, channel: form.channel_id, decision: decision.kind }, 'slash command');
      return ephemeral(c, await carryOut(deps, decision, form.trigger_id, c.get('log'), correlationId));
    },
  );
  routes.all('/commands', methodNotAllowed('POST'));
  return routes;
}

/** An answer only the user sees: text (the notification fallback) and, for status and history, Block Kit. */
interface Answer {
  readonly text: string;
  readonly blocks?: unknown[];
  /** A Slack user id to mention in front of the (escaped) text. */
  readonly mention?: string;
}

function ephemeral(c: { json: (body: unknown, status: 200) => Response }, answer: string | Answer): Response {
  const { text, blocks, mention } = typeof answer === 'string' ? { text: answer } : answer;
  // Answers echo what the user typed (lock reasons, names, parse errors): escaped for Slack, so only the
  // mention added here is markup. Blocks escape their values where they are built.
  const who = mention === undefined ? '' : /^[UW][A-Z0-9]{1,20}$/.test(mention) ? `<@${mention}> ` : 'You ';
  const escaped = `${who}${escapeSlack(text)}`;
  return c.json({ response_type: 'ephemeral', text: escaped, ...(blocks ? { blocks } : {}) }, 200);
}

async function carryOut(
  deps: AppDeps,
  decision: SlackDecision,
  triggerId: string,
  log: AppEnv['Variables']['log'],
  correlationId: string,
): Promise<string | Answer> {
  if (decision.kind === 'reply') return { text: decision.text, mention: decision.mention };
  if (decision.kind === 'read') return readAnswer(deps, decision.command);
  const outcome = await enqueueOnce(deps, { source: 'slack', id: triggerId }, [decision.job], log);
  if (outcome === 'duplicate') return 'Already received this command; nothing new was queued.';
  return `${decision.text} (correlation id ${correlationId})`;
}

async function readAnswer(
  deps: AppDeps,
  command: Extract<SlackDecision, { kind: 'read' }>['command'],
): Promise<string | Answer> {
  const read = deps.readApi;
  if (!read) return `${command.kind}: not available yet`;
  const now = deps.clock.now();
  if (command.kind === 'releases') {
    if (!read.releases) return 'releases: not available yet';
    const envs = Object.keys(findApp(deps.config, command.app)?.environments ?? {});
    return releasesText(command.app, await read.releases(command.app, envs), now);
  }
  if (command.kind === 'history') {
    const deployments = await read.history(command.app, command.env, 10);
    if (deployments.length === 0) {
      const text = `${command.app}/${command.env}: no deployments yet`;
      return { text, blocks: historyBlocks(command.app, command.env, deployments, now) };
    }
    const lines = deployments.map(
      (d) => `• ${d.version} ${d.status} — ${d.trigger} by ${d.requestedBy}, ${formatAge(d.createdAt, now)} ago`,
    );
    const text = [`${command.app}/${command.env}, newest first:`, ...lines].join('\n');
    return { text, blocks: historyBlocks(command.app, command.env, deployments, now) };
  }
  const apps = command.app ? [command.app] : Object.keys(deps.config.apps);
  const lines: string[] = [];
  const summaries: EnvironmentSummary[] = [];
  for (const app of apps) {
    for (const env of Object.keys(findApp(deps.config, app)?.environments ?? {})) {
      const summary = await read.environment(app, env);
      summaries.push(summary);
      const current = summary.current
        ? `${summary.current.version} (${formatAge(summary.current.at, now)} ago)`
        : 'nothing deployed';
      const lock = summary.lock ? ` — locked by ${summary.lock.by}: "${summary.lock.reason}"` : '';
      const pending = summary.pending.length ? ` — ${summary.pending.length} pending` : '';
      lines.push(`• ${app}/${env}: ${current}${lock}${pending}`);
    }
  }
  return { text: lines.join('\n'), blocks: statusBlocks(summaries, now) };
}
