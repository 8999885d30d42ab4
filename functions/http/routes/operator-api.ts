import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import * as z from 'zod';
import { unknownNameMessage } from '../../core/config';
import { TarmacError } from '../../core/errors';
import { HostChoiceError, NoAnswerError } from '../../core/host-choice';
import type { JournalQuery } from '../../core/journal';
import type { OperatorAccess, OperatorEvalAnswer } from '../../ports';
import { runOnce } from '../../state/api-requests';
import { deploymentWindow } from '../../state/log-window';
import { requireGrant } from '../api-auth';
import type { AppDeps, AppEnv } from '../deps';
import { problem, tooLarge } from '../responses';
import { idempotencyKeyOf, readBody } from './write-request';

const MAX_BODY = 64 * 1024;
const CURSOR = /^[A-Za-z0-9=;_-]{1,512}$/;
const HOST = z.string().min(1).max(200);

const logsQuery = z.strictObject({
  host: HOST.optional(),
  lines: z.coerce.number().int().min(1).max(100_000).optional(),
  since: z.coerce.number().min(0).optional(),
  until: z.coerce.number().min(0).optional(),
  after: z.string().regex(CURSOR, 'a journal cursor (letters, digits, = ; _ -)').optional(),
  deployment: z.string().min(1).max(200).optional(),
  follow: z.enum(['0', '1']).optional(),
});

const evalBody = z.strictObject({
  host: HOST.optional(),
  expression: z.string().min(1).max(16_000),
  /** Seconds; the server bounds it by its own budget. */
  timeout: z.number().int().min(1).max(3600).default(60),
});

/**
 * Operator access through the server (`tarmac logs|eval --server`), on the server's own hosts:
 * `GET …/logs` (a named token that covers the environment: journals are what hosts print) answers each
 * host's entries and cursor, already redacted — `--follow` polls it with `host` and `after`; `POST …/eval`
 * (a deploy token for the environment, an Idempotency-Key: run once, a retry gets the same answer) runs the
 * expression as a local eval does, audited with the token's name as `by`. Every request is bounded by
 * `OperatorAccess.maxMs` (a Lambda cannot wait longer than its timeout).
 */
export function operatorRoutes(deps: AppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const env = '/apps/:app/environments/:env';
  routes.get(`${env}/logs`, (c) => logs(c, deps));
  routes.post(`${env}/eval`, bodyLimit({ maxSize: MAX_BODY, onError: tooLarge(MAX_BODY) }), (c) => evaluate(c, deps));
  return routes;
}

function known(c: Context<AppEnv>, deps: AppDeps): { app: string; env: string } | Response {
  const { app, env } = c.req.param() as { app: string; env: string };
  const unknown = unknownNameMessage(deps.config, app, [env]);
  return unknown ? problem(c, 404, unknown) : { app, env };
}

const unavailable = (c: Context<AppEnv>) =>
  problem(
    c,
    501,
    'this server does not reach hosts (no operator access configured) — run the command where the hosts are',
  );

async function logs(c: Context<AppEnv>, deps: AppDeps): Promise<Response> {
  const names = known(c, deps);
  if (names instanceof Response) return names;
  const allowed = requireGrant(c, { write: false, hostOutput: true, ...names });
  if (!allowed.ok) return allowed.response;
  if (!deps.operator) return unavailable(c);
  const parsed = logsQuery.safeParse(c.req.query());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return problem(c, 400, `query ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const q = parsed.data;
  try {
    const window = q.deployment
      ? await deploymentWindow(deps.state, names.app, names.env, q.deployment, q.follow === '1')
      : {};
    const query: JournalQuery = {
      ...window,
      ...(q.since !== undefined ? { since: q.since } : {}),
      ...(q.until !== undefined ? { until: q.until } : {}),
      ...(q.after !== undefined ? { afterCursor: q.after } : {}),
      ...(q.lines !== undefined ? { lines: q.lines } : {}),
    };
    const answer = await deps.operator.logs({ ...names, host: q.host, query, by: allowed.grant.name });
    return c.json(answer);
  } catch (error) {
    if (error instanceof TarmacError) return problem(c, 400, error.message);
    throw error;
  }
}

type EvalOutcome = { ok: true; answer: OperatorEvalAnswer } | { ok: false; status: 400 | 504; error: string };

async function evaluate(c: Context<AppEnv>, deps: AppDeps): Promise<Response> {
  const names = known(c, deps);
  if (names instanceof Response) return names;
  const key = idempotencyKeyOf(c);
  if (typeof key !== 'string') return key;
  const allowed = requireGrant(c, { write: true, ...names });
  if (!allowed.ok) return allowed.response;
  const operator = deps.operator;
  if (!operator) return unavailable(c);
  const body = await readBody(c, evalBody);
  if (!body.ok) return body.response;
  const who = allowed.grant.name;
  const { host, expression, timeout } = body.data;
  const once = await runOnce<EvalOutcome>(
    deps.state,
    `eval-${who}-${key}`,
    () => deps.clock.now(),
    () => evalOutcome(operator, { ...names, host, expression, timeoutMs: timeout * 1000, by: who }),
  );
  if (once.kind === 'running') {
    return problem(
      c,
      409,
      `the eval sent with this Idempotency-Key (since ${once.since}) is still running — ask again with the same key for its answer`,
    );
  }
  const outcome = once.answer;
  if (!outcome.ok) return problem(c, outcome.status, outcome.error);
  return c.json({ ...outcome.answer, duplicate: once.kind === 'repeat' });
}

/** The eval's answer, or why there is none (a bad host, no answer in time) — stored either way: run once. */
async function evalOutcome(
  operator: Pick<OperatorAccess, 'eval'>,
  request: Parameters<OperatorAccess['eval']>[0],
): Promise<EvalOutcome> {
  try {
    return { ok: true, answer: await operator.eval(request) };
  } catch (error) {
    if (error instanceof HostChoiceError) return { ok: false, status: 400, error: error.message };
    if (error instanceof NoAnswerError) return { ok: false, status: 504, error: error.message };
    throw error;
  }
}
