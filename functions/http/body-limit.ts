import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './deps';

/**
 * Refuse a body larger than `maxSize` bytes with `onError`'s answer. A request that declares its length
 * (`Content-Length`, no `Transfer-Encoding`: Node's HTTP parser then delivers exactly that many bytes) is
 * judged from that header alone; only a chunked body is counted as it streams (hono's `bodyLimit`).
 *
 * Why not `bodyLimit` for all: it reads `c.req.raw.body`, which makes `@hono/node-server` build a full web
 * `Request` with a `ReadableStream` and an `AbortSignal` for every request — about a third of the intake's
 * CPU under load — where `c.req.arrayBuffer()` afterwards would read the socket's buffer directly.
 */
export function limitBody(
  maxSize: number,
  onError: (c: Context<AppEnv>) => Response | Promise<Response>,
): MiddlewareHandler<AppEnv> {
  const streamed = bodyLimit({ maxSize, onError });
  return async (c, next) => {
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined && /^\d+$/.test(declared)) {
      if (Number(declared) > maxSize) return onError(c);
      await next();
      return;
    }
    return streamed(c, next);
  };
}
