/**
 * Baseline for bench/webhook.ts: a bare Hono route on @hono/node-server that only checks the GitHub HMAC
 * over the raw body and answers 202 — no dedup, no queue, no logging. Prints its URL on stdout.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const secret = process.env.BENCH_SECRET ?? '';
const app = new Hono();
app.post('/webhooks/github', async (c) => {
  const body = new Uint8Array(await c.req.arrayBuffer());
  const given = Buffer.from((c.req.header('x-hub-signature-256') ?? '').replace(/^sha256=/, ''), 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return c.text('bad signature', 401);
  return c.text('accepted', 202);
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
