import { afterEach, describe, expect, it, vi } from 'vitest';
import { putLock } from '../../../functions/state/locks';
import { seedDeployment } from '../../support/dashboard-seed';
import { type HttpHarness, httpHarness } from '../../support/http-harness';

const TOKEN = 'dashboard-token-for-tests';
let harness: HttpHarness | undefined;

afterEach(() => {
  harness?.close();
  harness = undefined;
  vi.unstubAllEnvs();
});

async function open(dashboardToken?: string): Promise<HttpHarness> {
  vi.stubEnv('TARMAC_DASHBOARD_TOKEN', '');
  harness = await httpHarness(dashboardToken ? { override: () => ({ dashboardToken }) } : {});
  return harness;
}

/** The HTML of one environment's card. */
function card(html: string, instanceId: string): string {
  const start = html.indexOf(`id="${instanceId}"`);
  expect(start, `card ${instanceId}`).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('dashboard GET /', () => {
  it('shows each environment: current release, health, lock with its age, pending deploys, per-host hook results', async () => {
    // Prepare: staging runs 1.4.0 with 1.5.0 queued; production runs 1.3.0, 1.4.0 failed on h2, and is locked.
    const { app, adapters, clock } = await open();
    const { state } = adapters;
    await seedDeployment(state, clock, {
      env: 'staging',
      version: '1.4.0',
      gitSha: 'abcdef1234567890',
      trigger: 'push',
    });
    await seedDeployment(state, clock, { env: 'production', version: '1.3.0', by: 'carol', trigger: 'slack' });
    await seedDeployment(state, clock, { env: 'production', version: '1.4.0', failValidateOn: 'h2' });
    await seedDeployment(state, clock, { env: 'staging', version: '1.5.0', pending: true, by: 'dave' });
    await putLock(state, {
      app: 'hello',
      env: 'production',
      by: 'bob',
      reason: 'db migration',
      since: clock.now().toISOString(),
    });
    clock.advance(3 * 3600_000);

    // Act
    const res = await app.request('/');
    const html = await res.text();

    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'; style-src 'sha256-");
    expect(html).toContain('<meta http-equiv="refresh" content="5"/>');
    const staging = card(html, 'hello-staging');
    expect(staging).toMatch(/class="version"><a href="\/deployments\/[^"]+">1\.4\.0</);
    expect(staging).toContain('git <code title="abcdef1234567890">abcdef12</code>');
    expect(staging).toMatch(/by <b>alice<\/b> via push/);
    expect(staging).toMatch(/<b>1\.5\.0<\/b> <span class="muted">cli by dave, queued <time[^>]*>3 h ago/);
    expect(staging).toContain('✓ h1 healthy');
    expect(staging).not.toContain('Locked');
    const production = card(html, 'hello-production');
    expect(production).toMatch(/class="version"><a [^>]+>1\.3\.0</);
    expect(production).toMatch(/by <b>carol<\/b> via slack/);
    expect(production).toMatch(/Locked<\/strong> by <strong>bob<\/strong> <time[^>]*>3 h ago<\/time>: “db migration”/);
    expect(production).toContain('✓ h1 healthy');
    expect(production).toContain('✗ h2 failed health check');
    expect(production).toContain('ValidateService failed on h2');
    expect(production).toContain('aria-label="ValidateService: failed"');
    expect(production.match(/<td><span class="mark s-ok" title="AfterInstall: succeeded"/g)).toHaveLength(4);
    expect(production).toMatch(/<details><summary>Output of h2<\/summary>.*health check failed/s);
  });

  it('escapes a hostile lock reason, locker name and hook output', async () => {
    const { app, adapters, clock } = await open();
    const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    await putLock(adapters.state, {
      app: 'hello',
      env: 'staging',
      by: '"><b>mallory',
      reason: hostile,
      since: clock.now().toISOString(),
    });

    const html = await (await app.request('/')).text();

    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('"><b>mallory');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('&quot;&gt;&lt;b&gt;mallory');
  });

  it('refreshes every 30 s when nothing runs or waits, and says when nothing is deployed', async () => {
    const { app } = await open();
    const html = await (await app.request('/')).text();
    expect(html).toContain('<meta http-equiv="refresh" content="30"/>');
    expect(card(html, 'hello-staging')).toContain('Nothing deployed yet.');
  });
});

describe('dashboard GET /deployments/:id', () => {
  it('shows one deployment with every host output expanded, and 404 for an unknown id', async () => {
    const { app, adapters, clock } = await open();
    const failed = await seedDeployment(adapters.state, clock, {
      env: 'production',
      version: '2.0.0',
      failValidateOn: 'h1',
    });

    const res = await app.request(`/deployments/${failed.id}`);
    const html = await res.text();
    const missing = await app.request('/deployments/nope');

    expect(res.status).toBe(200);
    expect(html).toContain('hello/production · 2.0.0');
    expect(html).toMatch(/<details open=""><summary>Output of h1<\/summary>/);
    expect(html).not.toContain('http-equiv="refresh"');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('There is no deployment <code>nope</code>');
  });
});

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
