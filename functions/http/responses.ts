import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { AppEnv } from './deps';

/**
 * Error answers, one shape everywhere: `{ error, correlationId, ...details }`. Messages name the bad value and
 * what to do; they never carry a stack trace, a secret, or which part of a signature check failed.
 */
export function problem(
  c: Context<AppEnv>,
  status: ContentfulStatusCode,
  error: string,
  details: Record<string, unknown> = {},
): Response {
  return c.json({ error, correlationId: c.get('correlationId'), ...details }, status);
}

/** 401 with no hint of what failed (header, timestamp or digest): nothing to learn for a forger. */
export function unauthorized(c: Context<AppEnv>): Response {
  return problem(c, 401, 'invalid or missing signature');
}

/** `app.all` fallback of a route: 405 with `Allow`. */
export function methodNotAllowed(...allow: string[]): (c: Context<AppEnv>) => Response {
  return (c) => {
    c.header('Allow', allow.join(', '));
    return problem(c, 405, `method ${c.req.method} not allowed on ${c.req.path} — use ${allow.join(' or ')}`);
  };
}

/** 415 unless the request's media type is one of `types` (parameters such as `charset` are ignored). */
export function requireContentType(types: readonly string[], hint: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!types.includes(given)) {
      return problem(c, 415, `content type "${given || '(none)'}" is not accepted — ${hint}`, { accepted: types });
    }
    await next();
  };
}

/** 413 answer for `bodyLimit`. */
export function tooLarge(maxBytes: number): (c: Context<AppEnv>) => Response {
  return (c) => problem(c, 413, `body is larger than the limit of ${maxBytes} bytes`, { maxBytes });
}

export type Parsed<T> = { ok: true; data: T } | { ok: false; response: Response };

/** Parse the verified raw body as JSON and validate it; a 400 names the JSON path of the first problem. */
export function parseJsonBody<T>(c: Context<AppEnv>, schema: z.ZodType<T>, what: string): Parsed<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(c.get('rawBody')));
  } catch {
    return { ok: false, response: problem(c, 400, `${what}: malformed JSON`) };
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, data: result.data };
  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : '(root)';
  return {
    ok: false,
    response: problem(c, 400, `${what}: ${path}: ${issue?.message ?? 'invalid'}`, { path }),
  };
}

/** `Name: message` of a thrown value, for a log line: no stack trace, no nested objects. */
export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
