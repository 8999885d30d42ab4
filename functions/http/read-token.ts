import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps';

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
