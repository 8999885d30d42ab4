import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshTimestamp, hmacHex, sameDigest } from '../../../functions/http/signatures';
import { signedJsonHeaders, signedUploadHeaders } from '../../../functions/http/signing';
import { githubHeaders, type HttpHarness, httpHarness, SECRETS, slackHeaders } from '../../support/http-harness';

// Published test vectors (protocols.md).
const GITHUB_VECTOR = {
  secret: "It's a Secret to Everybody",
  body: 'Hello, World!',
  signature: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
};
const SLACK_VECTOR = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: 1531420618,
  body: 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};

describe('signature primitives', () => {
  it('computes both published vectors', () => {
    expect(`sha256=${hmacHex(GITHUB_VECTOR.secret, GITHUB_VECTOR.body)}`).toBe(GITHUB_VECTOR.signature);
    const slack = hmacHex(SLACK_VECTOR.secret, `v0:${SLACK_VECTOR.timestamp}:`, SLACK_VECTOR.body);
    expect(`v0=${slack}`).toBe(SLACK_VECTOR.signature);
  });

  it('compares digests without throwing on malformed input', () => {
    const digest = hmacHex('k', 'x');
    expect(sameDigest(digest, digest)).toBe(true);
    expect(sameDigest(digest, digest.slice(0, 62))).toBe(false);
    expect(sameDigest(digest, digest.toUpperCase())).toBe(false);
    expect(sameDigest(digest, `${digest}00`)).toBe(false);
    expect(sameDigest(digest, undefined)).toBe(false);
  });

  it('accepts timestamps within 300 s either way and nothing else', () => {
    const now = new Date(1_900_000_000_000);
    expect(freshTimestamp('1900000300', now)).toBe(true);
    expect(freshTimestamp('1899999700', now)).toBe(true);
    expect(freshTimestamp('1900000301', now)).toBe(false);
    expect(freshTimestamp('1899999699', now)).toBe(false);
    expect(freshTimestamp('1900000000.5', now)).toBe(false);
    expect(freshTimestamp('', now)).toBe(false);
    expect(freshTimestamp(undefined, now)).toBe(false);
  });
});

describe('signature middleware, through the app', () => {
  let h: HttpHarness;
  beforeEach(async () => {
    h = await httpHarness();
  });
  afterEach(() => h.close());

  const github = (body: string, headers: Record<string, string>) =>
    h.app.request('/webhooks/github', { method: 'POST', body, headers });

  it('accepts the GitHub vector (ping)', async () => {
    const res = await github(GITHUB_VECTOR.body, {
      'content-type': 'application/json',
      'x-github-event': 'ping',
      'x-github-delivery': 'd-1',
      'x-hub-signature-256': GITHUB_VECTOR.signature,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('pong');
  });

  it('fails on a tampered GitHub body, a tampered signature, sha1 only, and no signature', async () => {
    const body = '{"zen":"Keep it logically awesome."}';
    const good = githubHeaders(body, 'ping', 'd-2');
    const sig = good['x-hub-signature-256'];
    const flipped = sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0');
    const { 'x-hub-signature-256': _, ...unsigned } = good;
    const cases = [
      github(`${body} `, good),
      github(body, { ...good, 'x-hub-signature-256': flipped }),
      github(body, { ...unsigned, 'x-hub-signature': `sha1=${'0'.repeat(40)}` }),
      github(body, unsigned),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'invalid or missing signature' });
    }
  });

  const slack = (body: string, headers: Record<string, string>) =>
    h.app.request('/slack/commands', { method: 'POST', body, headers });

  it('accepts the Slack vector with the clock at its timestamp', async () => {
    h.clock.set(new Date(SLACK_VECTOR.timestamp * 1000 + 30_000));
    const res = await slack(SLACK_VECTOR.body, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(SLACK_VECTOR.timestamp),
      'x-slack-signature': SLACK_VECTOR.signature,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/^no command/) });
  });

  it('fails on stale, future, tampered and missing Slack signatures', async () => {
    const body = 'user_id=U1&channel_id=C1&text=help&trigger_id=t1&response_url=https%3A%2F%2Fhooks.slack.com%2Fx';
    const now = h.nowSec();
    const cases = [
      slack(body, slackHeaders(body, now - 301)),
      slack(body, slackHeaders(body, now + 301)),
      slack(`${body}&text=deploy`, slackHeaders(body, now)),
      slack(body, slackHeaders(body, now, 'wrong-secret')),
      slack(body, { 'content-type': 'application/x-www-form-urlencoded' }),
    ];
    for (const res of await Promise.all(cases)) expect(res.status).toBe(401);
    expect((await slack(body, slackHeaders(body, now - 299))).status).toBe(200);
  });

  const build = (body: string, headers: Record<string, string>) =>
    h.app.request('/webhooks/builds', { method: 'POST', body, headers });

  it('binds the build timestamp into the signature, so a fresh timestamp cannot be replayed onto an old body', async () => {
    const body = '{"id":"b-1"}';
    const old = signedJsonHeaders(SECRETS.build_webhook_secret, body, h.nowSec() - 3600);
    const replayed = { ...old, 'x-tarmac-timestamp': String(h.nowSec()) };
    const cases = [
      build(body, old),
      build(body, replayed),
      build(body, signedJsonHeaders(SECRETS.build_webhook_secret, body, h.nowSec() + 301)),
      build(body.replace('b-1', 'b-2'), signedJsonHeaders(SECRETS.build_webhook_secret, body, h.nowSec())),
      build(body, { 'content-type': 'application/json' }),
    ];
    for (const res of await Promise.all(cases)) expect(res.status).toBe(401);
  });

  it('checks an upload signature from the headers, before storing anything', async () => {
    const sha256 = 'c'.repeat(64);
    const headers = signedUploadHeaders(
      SECRETS.build_webhook_secret,
      { app: 'hello', version: '1.0.0', sha256 },
      h.nowSec(),
    );
    const put = (path: string, hdrs: Record<string, string>) =>
      h.app.request(path, { method: 'PUT', body: 'tarball', headers: hdrs });
    const cases = [
      put('/artifacts/hello/2.0.0', headers),
      put('/artifacts/hello/1.0.0', { ...headers, 'x-tarmac-content-sha256': 'd'.repeat(64) }),
      put('/artifacts/hello/1.0.0', { ...headers, 'x-tarmac-timestamp': String(h.nowSec() - 1) }),
    ];
    for (const res of await Promise.all(cases)) expect(res.status).toBe(401);
  });
});
