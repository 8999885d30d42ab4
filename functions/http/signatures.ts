import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Clock } from '../ports';
import type { AppEnv } from './deps';
import { unauthorized } from './responses';

/** A secret given directly (tests, benches) or resolved per request (cached secret store). */
export type SecretSource = string | (() => Promise<string>);

/** How far a signed timestamp may be from the server's clock, either way (Slack's rule). */
export const TIMESTAMP_WINDOW_SEC = 300;

/** Hex HMAC-SHA256 of the concatenated parts. */
export function hmacHex(secret: string, ...parts: (string | Uint8Array)[]): string {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest('hex');
}

/** Constant-time comparison of two hex digests; false (never a throw) on any malformed or unequal input. */
export function sameDigest(expectedHex: string, givenHex: string | undefined): boolean {
  if (givenHex === undefined || !/^[0-9a-f]{64}$/.test(givenHex)) return false;
  const expected = Buffer.from(expectedHex, 'hex');
  const given = Buffer.from(givenHex, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** True when `header` is unix seconds within {@link TIMESTAMP_WINDOW_SEC} of `now` (past or future). */
export function freshTimestamp(header: string | undefined, now: Date): header is string {
  if (header === undefined || !/^\d{1,12}$/.test(header)) return false;
  return Math.abs(now.getTime() / 1000 - Number(header)) <= TIMESTAMP_WINDOW_SEC;
}

async function resolve(secret: SecretSource): Promise<string> {
  return typeof secret === 'string' ? secret : secret();
}

/** Read the raw body once and keep it: signatures are verified over the exact bytes, never re-serialized JSON. */
export async function rawBody(c: Context<AppEnv>): Promise<Uint8Array> {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  c.set('rawBody', bytes);
  return bytes;
}

/**
 * GitHub webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`. The legacy
 * sha1 `X-Hub-Signature` alone is refused.
 */
export function githubSignature(options: { secret: SecretSource }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const secret = await resolve(options.secret);
    const header = c.req.header('x-hub-signature-256');
    if (!header?.startsWith('sha256=')) return unauthorized(c);
    if (!sameDigest(hmacHex(secret, await rawBody(c)), header.slice(7))) return unauthorized(c);
    await next();
  };
}

/**
 * Slack request signature: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:" + timestamp + ":" +
 * raw body)>` with `X-Slack-Request-Timestamp` within 300 s of now.
 */
export function slackSignature(options: { secret: SecretSource; clock: Clock }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const secret = await resolve(options.secret);
    const timestamp = c.req.header('x-slack-request-timestamp');
    const header = c.req.header('x-slack-signature');
    if (!freshTimestamp(timestamp, options.clock.now()) || !header?.startsWith('v0=')) return unauthorized(c);
    const body = await rawBody(c);
    if (!sameDigest(hmacHex(secret, `v0:${timestamp}:`, body), header.slice(3))) return unauthorized(c);
    await next();
  };
}

/**
 * tarmac's own signature for CI calls (build events, upload URLs):
 * `X-Tarmac-Signature-256: sha256=<hex HMAC-SHA256(build_webhook_secret, timestamp + "." + raw body)>` with
 * `X-Tarmac-Timestamp` (unix seconds) within 300 s of now. The timestamp is inside the signed material, so a
 * captured request cannot be replayed later with a fresh timestamp (and within the window the event id
 * makes a replay a duplicate).
 *
 * @example
 *   ts=$(date +%s); sig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
 *   curl -H "X-Tarmac-Timestamp: $ts" -H "X-Tarmac-Signature-256: sha256=$sig" -d "$body" …/webhooks/builds
 */
export function buildSignature(options: { secret: SecretSource; clock: Clock }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const secret = await resolve(options.secret);
    const timestamp = c.req.header('x-tarmac-timestamp');
    const header = c.req.header('x-tarmac-signature-256');
    if (!freshTimestamp(timestamp, options.clock.now()) || !header?.startsWith('sha256=')) return unauthorized(c);
    const body = await rawBody(c);
    if (!sameDigest(hmacHex(secret, `${timestamp}.`, body), header.slice(7))) return unauthorized(c);
    await next();
  };
}

/**
 * Signature of a streamed artifact upload, checked from the headers alone before a byte of the body is
 * stored: `X-Tarmac-Signature-256: sha256=<hex HMAC-SHA256(build_webhook_secret,
 * "<timestamp>.<app>.<version>.<content sha256>")>`, with `X-Tarmac-Timestamp` fresh and the body's hex
 * sha256 declared in `X-Tarmac-Content-Sha256`. The route then streams the body into the store, hashing it
 * on the way, and deletes the object when the hash differs from the signed one.
 */
export function uploadSignature(options: { secret: SecretSource; clock: Clock }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const secret = await resolve(options.secret);
    const timestamp = c.req.header('x-tarmac-timestamp');
    const header = c.req.header('x-tarmac-signature-256');
    const sha256 = c.req.header('x-tarmac-content-sha256');
    if (!freshTimestamp(timestamp, options.clock.now()) || !header?.startsWith('sha256=')) return unauthorized(c);
    if (sha256 === undefined || !/^[0-9a-f]{64}$/.test(sha256)) return unauthorized(c);
    const material = `${timestamp}.${c.req.param('app')}.${c.req.param('version')}.${sha256}`;
    if (!sameDigest(hmacHex(secret, material), header.slice(7))) return unauthorized(c);
    await next();
  };
}
