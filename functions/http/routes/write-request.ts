import type { Context } from 'hono';
import type * as z from 'zod';
import type { Job } from '../../core/jobs';
import type { TokenNeed } from '../../core/tokens';
import { requireGrant } from '../api-auth';
import type { AppDeps, AppEnv } from '../deps';
import { enqueueOnce } from '../enqueue';
import { problem } from '../responses';

const KEY = /^[A-Za-z0-9_-]{8,64}$/;

type Base = Pick<Job, 'v' | 'idempotencyKey' | 'correlationId' | 'app'>;
/** Turns a checked request into its job; `who` is the token's name (the requester in history). */
export type MakeJob<B> = (base: Base, who: string, body: B) => Job;

/** Check key, grant and body, then queue the job once; 202 with its key (200 for a repeat of the same key). */
export async function queue<B>(
  c: Context<AppEnv>,
  deps: AppDeps,
  need: TokenNeed,
  schema: z.ZodType<B>,
  check: (body: B) => string | undefined,
  make: MakeJob<B>,
): Promise<Response> {
  const key = idempotencyKeyOf(c);
  if (typeof key !== 'string') return key;
  const allowed = requireGrant(c, need);
  if (!allowed.ok) return allowed.response;
  const body = await readBody(c, schema);
  if (!body.ok) return body.response;
  const unknown = check(body.data);
  if (unknown) return problem(c, 404, unknown);
  const who = allowed.grant.name;
  const idempotencyKey = `api-${who}-${key}`;
  const correlationId = c.get('correlationId');
  const job = make({ v: 1, idempotencyKey, correlationId, app: '' }, who, body.data);
  const outcome = await enqueueOnce(deps, { source: 'api', id: idempotencyKey }, [job], c.get('log'));
  return c.json(
    { idempotencyKey, correlationId, duplicate: outcome === 'duplicate' },
    outcome === 'duplicate' ? 200 : 202,
  );
}

/** The request's Idempotency-Key, or the 400 that says what to send. */
export function idempotencyKeyOf(c: Context<AppEnv>): string | Response {
  const key = c.req.header('idempotency-key');
  if (key && KEY.test(key)) return key;
  return problem(c, 400, 'send an Idempotency-Key header: 8–64 letters, digits, _ or - (e.g. a UUID), new per request');
}

/** The JSON body checked against `schema`, or the 400/415 that names what is wrong. */
export async function readBody<B>(c: Context<AppEnv>, schema: z.ZodType<B>) {
  const text = await c.req.text();
  let raw: unknown = {};
  if (text.trim() !== '') {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      return {
        ok: false as const,
        response: problem(c, 415, `content type "${type || '(none)'}" is not accepted — send application/json`),
      };
    }
    try {
      raw = JSON.parse(text);
    } catch {
      return { ok: false as const, response: problem(c, 400, 'request body: malformed JSON') };
    }
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true as const, data: result.data };
  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : '(root)';
  return {
    ok: false as const,
    response: problem(c, 400, `request body: ${path}: ${issue?.message ?? 'invalid'}`, { path }),
  };
}
