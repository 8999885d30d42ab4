import { afterEach, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../../functions/ports';
import {
  EXAMPLE_CONFIG,
  githubHeaders,
  type HttpHarness,
  httpHarness,
  type Json,
  pushEvent,
} from '../../support/http-harness';

let h: HttpHarness;
afterEach(() => h?.close());

function deliver(body: string, event = 'push', delivery = 'delivery-1') {
  return h.app.request('/webhooks/github', { method: 'POST', body, headers: githubHeaders(body, event, delivery) });
}

describe('POST /webhooks/github', () => {
  it('enqueues a push job for the app following the branch, grouped by fleet', async () => {
    h = await httpHarness();
    const res = await deliver(JSON.stringify(pushEvent()));
    expect(res.status).toBe(202);
    const correlationId = res.headers.get('x-tarmac-correlation-id');
    expect(correlationId).toMatch(/^[0-9A-Z]{26}$/);
    expect(await res.json()).toEqual({ queued: [{ type: 'push', app: 'hello', branch: 'main' }], correlationId });
    const [message] = await h.adapters.queue.receive({ max: 10, visibilityTimeoutSec: 30 });
    expect(message?.group).toBe('fleet-web');
    expect(message?.dedupKey).toBe('github:delivery-1:hello');
    expect(message?.body).toEqual({
      v: 1,
      type: 'push',
      idempotencyKey: 'github:delivery-1:hello',
      correlationId,
      app: 'hello',
      branch: 'main',
      sha: 'b'.repeat(40),
      before: 'a'.repeat(40),
      pushedAt: 1764590400,
      pusher: 'octocat',
    });
  });

  it('carries the signed ordering fields: an ISO pushed_at is read too, a created branch has no before', async () => {
    h = await httpHarness();
    const created = pushEvent({
      before: '0'.repeat(40),
      repository: { full_name: 'acme/hello', pushed_at: '2025-12-01T12:00:00Z' },
    });
    expect((await deliver(JSON.stringify(created))).status).toBe(202);
    const [body] = await h.drain();
    expect(body).toMatchObject({ sha: 'b'.repeat(40), pushedAt: 1764590400 });
    expect(body).not.toHaveProperty('before');
  });

  it('answers a redelivery "duplicate" and enqueues nothing more, even days later', async () => {
    h = await httpHarness();
    const body = JSON.stringify(pushEvent());
    expect((await deliver(body)).status).toBe(202);
    h.clock.advance(3 * 24 * 3600 * 1000);
    const again = await deliver(body);
    expect(again.status).toBe(200);
    expect(await again.text()).toBe('duplicate');
    expect(await h.drain()).toHaveLength(1);
  });

  it('ignores branch deletions, unfollowed branches, other repos, tags and other events', async () => {
    h = await httpHarness();
    const cases: [string, string, number, string][] = [
      [JSON.stringify(pushEvent({ deleted: true, after: '0'.repeat(40) })), 'push', 200, 'ignored: branch deletion'],
      [JSON.stringify(pushEvent({ after: '0'.repeat(40) })), 'push', 200, 'ignored: branch deletion'],
      [JSON.stringify(pushEvent({ ref: 'refs/heads/feature' })), 'push', 202, 'ignored: no environment follows'],
      [JSON.stringify(pushEvent({ repository: { full_name: 'acme/other' } })), 'push', 202, 'ignored: no environment'],
      [JSON.stringify(pushEvent({ ref: 'refs/tags/v1' })), 'push', 202, 'ignored: refs/tags/v1 is not a branch'],
      ['{}', 'issues', 202, 'ignored: issues'],
    ];
    for (const [index, [body, event, status, text]] of cases.entries()) {
      const res = await deliver(body, event, `d-${index}`);
      expect(res.status).toBe(status);
      expect(await res.text()).toContain(text);
    }
    expect(await h.drain()).toEqual([]);
  });

  it('matches the repository name case-insensitively', async () => {
    h = await httpHarness();
    const res = await deliver(JSON.stringify(pushEvent({ repository: { full_name: 'Acme/Hello' } })));
    expect(res.status).toBe(202);
  });

  it('fails with 400 naming the JSON path on malformed bodies', async () => {
    h = await httpHarness();
    const bad = await deliver('{"ref": ');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'push event: malformed JSON' });
    const wrong = await deliver(JSON.stringify(pushEvent({ repository: { full_name: 42 } })), 'push', 'd-2');
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ path: 'repository.full_name' });
    expect(await h.drain()).toEqual([]);
  });

  it('fails on missing delivery headers, wrong content type, wrong method and oversized payloads', async () => {
    h = await httpHarness();
    const body = JSON.stringify(pushEvent());
    const { 'x-github-delivery': _, ...noDelivery } = githubHeaders(body, 'push', 'x');
    const noId = await h.app.request('/webhooks/github', { method: 'POST', body, headers: noDelivery });
    expect(noId.status).toBe(400);
    const form = await h.app.request('/webhooks/github', {
      method: 'POST',
      body,
      headers: { ...githubHeaders(body, 'push', 'y'), 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const get = await h.app.request('/webhooks/github');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const huge = 'x'.repeat(25 * 1024 * 1024 + 1);
    const tooBig = await deliver(huge, 'push', 'z');
    expect(tooBig.status).toBe(413);
  });

  it('fails loudly, naming the secret to set, when the webhook secret is missing', async () => {
    h = await httpHarness({ secrets: {} });
    const res = await deliver(JSON.stringify(pushEvent()));
    expect(res.status).toBe(503);
    expect(((await res.json()) as Json).error).toContain('tarmac secrets set _global github_webhook_secret --stdin');
    expect(await h.drain()).toEqual([]);
  });

  it("releases the claim when the send fails, so GitHub's redelivery is processed", async () => {
    let failNext = true;
    h = await httpHarness({
      override: ({ queue }) => ({
        queue: {
          ...queue,
          receive: queue.receive.bind(queue),
          send: async (message) => {
            if (failNext) throw new Error('disk full at /secret/path');
            return queue.send(message);
          },
        } as JobQueue,
      }),
    });
    const body = JSON.stringify(pushEvent());
    const failed = await deliver(body);
    expect(failed.status).toBe(500);
    const text = await failed.text();
    expect(text).not.toContain('disk full');
    expect(JSON.parse(text)).toMatchObject({ error: expect.stringMatching(/^internal error/) });
    failNext = false;
    expect((await deliver(body)).status).toBe(202);
    expect(await h.drain()).toHaveLength(1);
  });

  it('enqueues one job per app when two apps follow the same repo and branch', async () => {
    const twoApps = EXAMPLE_CONFIG.replace(
      'apps:\n',
      'apps:\n  worker:\n    repo: acme/hello\n    release: worker\n    fleet: web\n    environments:\n      staging:\n        port: 4101\n        branch: main\n',
    );
    h = await httpHarness({ config: twoApps });
    const res = await deliver(JSON.stringify(pushEvent()));
    expect(res.status).toBe(202);
    const bodies = (await h.drain()) as { app: string }[];
    expect(bodies.map((b) => b.app).sort()).toEqual(['hello', 'worker']);
  });
});
