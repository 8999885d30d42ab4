import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps';
import { problem } from './responses';

/** The shared token guarding the read side (dashboard and `/api`), when configured. */
export function readToken(configured: string | undefined): string | undefined {
  return configured ?? (process.env.TARMAC_DASHBOARD_TOKEN || undefined);
}

/**
 * A guard built from a token that may be known only later: `source` is a value (the guard is built at once) or
 * a function, called on the first request that passes here — its answer is kept; a failure is retried on the
 * next request.
 */
export function guardWith(
  source: string | (() => Promise<string>) | undefined,
  build: (token: string | undefined) => MiddlewareHandler<AppEnv>,
): MiddlewareHandler<AppEnv> {
  if (typeof source !== 'function') return build(readToken(source));
  let guard: Promise<MiddlewareHandler<AppEnv>> | undefined;
  return async (c, next) => {
    guard ??= source().then(
      (token) => build(readToken(token)),
      (error: unknown) => {
        guard = undefined;
        throw error;
      },
    );
    return (await guard)(c, next);
  };
}

/** Equal in constant time, whatever the lengths (both sides are hashed to 32 bytes first). */
function same(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * `/api/*` answers only `Authorization: Bearer <token>` when a token is configured (the CLI sends
 * `TARMAC_TOKEN`); a JSON 401 otherwise. Without a token (local mode on loopback) everything passes.
 */
export function apiAuth(token: string | undefined): MiddlewareHandler<AppEnv> {
  if (!token) return (_c, next) => next();
  return async (c, next) => {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (bearer !== undefined && same(bearer, token)) return next();
    c.header('WWW-Authenticate', 'Bearer realm="tarmac api"');
    return problem(c, 401, 'a token is required — send Authorization: Bearer <token> (tarmac: set TARMAC_TOKEN)');
  };
}
