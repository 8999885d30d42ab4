import { afterEach, describe, expect, it, vi } from 'vitest';
import { type HttpHarness, httpHarness } from '../../support/http-harness';

const TOKEN = 'dashboard-token-for-tests';
let harness: HttpHarness | undefined;

afterEach(() => {
  harness?.close();
  harness = undefined;
  vi.unstubAllEnvs();
});

/** The app with the dashboard guarded by `dashboardToken`, whatever the environment says. */
async function open(dashboardToken: string): Promise<HttpHarness> {
  vi.stubEnv('TARMAC_DASHBOARD_TOKEN', '');
  harness = await httpHarness({ override: () => ({ dashboardToken }) });
  return harness;
}

describe('dashboard token', () => {
  it('fails with a 401 page without a token, or with a wrong bearer, query or cookie', async () => {
    const { app } = await open(TOKEN);

    const none = await app.request('/');
    const wrongBearer = await app.request('/', { headers: { authorization: `Bearer ${TOKEN}x` } });
    const wrongQuery = await app.request('/?token=guess');
    const wrongCookie = await app.request('/', { headers: { cookie: `tarmac_dashboard=${TOKEN}` } });
    const detail = await app.request('/deployments/any');

    for (const res of [none, wrongBearer, wrongQuery, wrongCookie, detail]) expect(res.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="tarmac dashboard"');
    expect(none.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
    expect(wrongQuery.headers.get('set-cookie')).toBeNull();
    const page = await none.text();
    expect(page).toContain('Dashboard token required');
    expect(page).not.toContain('hello-staging');
  });

  it('accepts Authorization: Bearer with the token', async () => {
    const { app } = await open(TOKEN);
    const res = await app.request('/', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('id="hello-staging"');
  });

  it('turns ?token= into an HttpOnly SameSite=Strict cookie (not the token itself) and redirects to /', async () => {
    const { app } = await open(TOKEN);

    const visit = await app.request(`/?token=${TOKEN}`);
    const setCookie = visit.headers.get('set-cookie') ?? '';
    const cookie = setCookie.split(';')[0] ?? '';
    const next = await app.request('/', { headers: { cookie } });
    const tampered = await app.request('/', { headers: { cookie: `${cookie.slice(0, -1)}0` } });

    expect(visit.status).toBe(302);
    expect(visit.headers.get('location')).toBe('/');
    expect(setCookie).toMatch(/^tarmac_dashboard=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(TOKEN);
    expect(next.status).toBe(200);
    expect(tampered.status).toBe(401);
  });

  it('takes the token from TARMAC_DASHBOARD_TOKEN and guards nothing but the dashboard', async () => {
    vi.stubEnv('TARMAC_DASHBOARD_TOKEN', TOKEN);
    harness = await httpHarness();

    expect((await harness.app.request('/')).status).toBe(401);
    expect((await harness.app.request('/', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await harness.app.request('/health')).status).toBe(200);
  });
});

describe('dashboard ?token= redirect', () => {
  it('is never cached and sends no Referer (the token is in the address)', async () => {
    const { app } = await open(TOKEN);
    for (const query of [TOKEN, 'wrong']) {
      const res = await app.request(`/?token=${query}`);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
    expect((await app.request(`/?token=${TOKEN}`)).status).toBe(302);
  });
});
