import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitBody } from '../../../functions/http/body-limit';
import type { AppEnv } from '../../../functions/http/deps';
import { tooLarge } from '../../../functions/http/responses';

const LIMIT = 10;
let server: ReturnType<typeof serve>;
let port: number;

beforeAll(async () => {
  const app = new Hono<AppEnv>();
  app.post('/', limitBody(LIMIT, tooLarge(LIMIT)), async (c) => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    return c.text(Buffer.from(bytes).toString());
  });
  server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** POST over a real socket: `chunks` written one by one; `length` declared, or chunked when omitted. */
function post(chunks: string[], length?: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> =
      length === undefined ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(length) };
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.flushHeaders();
    for (const chunk of chunks) req.write(chunk);
    if (length === undefined || chunks.join('').length === length) req.end();
  });
}

describe('limitBody on node-server', () => {
  it('passes a body at the limit intact, declared or chunked', async () => {
    expect(await post(['0123456789'], 10)).toEqual({ status: 200, body: '0123456789' });
    expect(await post(['01234', '56789'])).toEqual({ status: 200, body: '0123456789' });
  });

  it('refuses a declared length over the limit from the header alone, before any byte of the body', async () => {
    // The body is never sent: the answer comes from Content-Length alone.
    const res = await post([], 1_000_000);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: `body is larger than the limit of ${LIMIT} bytes` });
  });

  it('counts a chunked body as it streams and refuses it past the limit', async () => {
    const res = await post(['012345', '6789x']);
    expect(res.status).toBe(413);
  });
});
