import type { Context } from 'hono';
import { html } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { AppEnv } from '../deps';
import { STYLESHEET_HASH } from './style';

/**
 * Pages carry no script at all: the CSP forbids every script and allows only the inline stylesheet, by hash,
 * so even an escaping bug could not run code. Nothing is cached, nothing framed, no referrer leaks.
 */
export function htmlPage(c: Context<AppEnv>, body: Child, status: 200 | 401 | 404 = 200): Response | Promise<Response> {
  c.header(
    'Content-Security-Policy',
    `default-src 'none'; style-src ${STYLESHEET_HASH}; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  );
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Cache-Control', 'no-store');
  // The doctype keeps browsers in standards mode; `html` passes the already escaped JSX output through.
  return c.html(html`<!DOCTYPE html>${body}`, status);
}
