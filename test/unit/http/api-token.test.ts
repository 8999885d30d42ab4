import { afterEach, describe, expect, it } from 'vitest';
import { type HttpHarness, httpHarness } from '../../support/http-harness';

let h: HttpHarness;
afterEach(() => h?.close());

describe('GET /api with a read token configured', () => {
  it('answers 401 (JSON, no detail) without the bearer token and 200 with it', async () => {
    h = await httpHarness({ override: () => ({ dashboardToken: 'read-token-123' }) });
    const none = await h.app.request('/api/apps');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="tarmac api"');
    expect(await none.json()).toMatchObject({ error: expect.stringContaining('a token is required') });
    const wrong = await h.app.request('/api/apps', { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const right = await h.app.request('/api/apps', { headers: { authorization: 'Bearer read-token-123' } });
    expect(right.status).toBe(200);
    expect(await right.json()).toMatchObject({ apps: [{ name: 'hello' }] });
  });

  it('leaves the webhooks and /health to their own checks', async () => {
    h = await httpHarness({ override: () => ({ dashboardToken: 'read-token-123' }) });
    expect((await h.app.request('/health')).status).toBe(200);
  });

  it('is open without a token (local mode on loopback)', async () => {
    h = await httpHarness();
    expect((await h.app.request('/api/apps')).status).toBe(200);
  });
});
