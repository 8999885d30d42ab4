import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../deps';
import { MessagePage } from './pages';
import { htmlPage } from './respond';

/** Name of the cookie a `?token=` visit sets. */
export const DASHBOARD_COOKIE = 'tarmac_dashboard';

/** Equal in constant time, whatever the lengths (both sides are hashed to 32 bytes first). */
function same(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The cookie holds a value derived from the token, so a copied cookie never reveals the token itself. */
const sessionOf = (token: string) => createHmac('sha256', token).update('tarmac dashboard session v1').digest('hex');

/**
 * Guard the dashboard with a shared token, when one is configured (else pass everything through).
 * Accepted: `Authorization: Bearer <token>`, the session cookie, or `?token=<token>` — which sets the
 * cookie (HttpOnly, SameSite=Strict) and redirects to the same path without the token in the address.
 * Anything else gets a 401 page.
 */
export function dashboardAuth(token: string | undefined): MiddlewareHandler<AppEnv> {
  if (!token) return (_c, next) => next();
  const session = sessionOf(token);
  return async (c, next) => {
    const query = c.req.query('token');
    if (query !== undefined) {
      // The token is in this request's address: neither a cache nor a Referer may keep it.
      c.header('Cache-Control', 'no-store');
      c.header('Referrer-Policy', 'no-referrer');
      if (!same(query, token)) return unauthorizedPage(c);
      const secure = new URL(c.req.url).protocol === 'https:';
      setCookie(c, DASHBOARD_COOKIE, session, { httpOnly: true, sameSite: 'Strict', path: '/', secure });
      return c.redirect(c.req.path, 302);
    }
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (bearer !== undefined && same(bearer, token)) return next();
    const cookie = getCookie(c, DASHBOARD_COOKIE);
    if (cookie !== undefined && same(cookie, session)) return next();
    return unauthorizedPage(c);
  };
}

function unauthorizedPage(c: Context<AppEnv>): Response | Promise<Response> {
  c.header('WWW-Authenticate', 'Bearer realm="tarmac dashboard"');
  return htmlPage(
    c,
    <MessagePage title="Dashboard token required">
      <p>
        This dashboard is protected by a token (<code>TARMAC_DASHBOARD_TOKEN</code>). Open{' '}
        <code>/?token=&lt;token&gt;</code> once in this browser, or send{' '}
        <code>Authorization: Bearer &lt;token&gt;</code>.
      </p>
    </MessagePage>,
    401,
  );
}
