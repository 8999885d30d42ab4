import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordHook } from '../../../functions/core/deployments';
import { updateDeployment } from '../../../functions/state/deployments';
import { putLock } from '../../../functions/state/locks';
import { seedDashboardStory, seedDeployment } from '../../support/dashboard-seed';
import { type HttpHarness, httpHarness } from '../../support/http-harness';

let harness: HttpHarness | undefined;

afterEach(() => {
  harness?.close();
  harness = undefined;
  vi.unstubAllEnvs();
});

/** The app with no dashboard token, whatever the environment says. */
async function open(): Promise<HttpHarness> {
  vi.stubEnv('TARMAC_DASHBOARD_TOKEN', '');
  harness = await httpHarness();
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
    await seedDashboardStory(state, clock);
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
    expect(html.startsWith('<!DOCTYPE html><html lang="en">')).toBe(true);
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
    const seeded = await seedDeployment(adapters.state, clock, { env: 'staging', version: '1.0.0', by: '<img src=y>' });
    await updateDeployment(adapters.state, seeded.id, (d) =>
      recordHook(d, 'h1', { event: 'ApplicationStart', status: 'failed', tail: '</pre><script>alert(3)</script>' }),
    );

    const html = await (await app.request('/')).text();

    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('"><b>mallory');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('&quot;&gt;&lt;b&gt;mallory');
    expect(html).toContain('<pre>&lt;/pre&gt;&lt;script&gt;alert(3)&lt;/script&gt;</pre>');
    expect(html).toContain('cli by &lt;img src=y&gt;');
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

describe('dashboard: an aborted deployment', () => {
  it('says who aborted it, why and when, on the card and the deployment page, escaped', async () => {
    const { app, adapters, clock } = await open();
    const seeded = await seedDeployment(adapters.state, clock, { env: 'staging', version: '2.0.0' });
    await updateDeployment(adapters.state, seeded.id, (d) => ({
      ...d,
      status: 'rolled_back',
      error: 'aborted by ops during AfterInstall on h2',
      aborted: { by: 'ops', reason: 'error rate <b>up</b>', at: clock.now().toISOString() },
    }));
    clock.advance(5 * 60_000);
    const pages = [card(await (await app.request('/')).text(), 'hello-staging')];
    pages.push(await (await app.request(`/deployments/${seeded.id}`)).text());
    for (const html of pages) {
      expect(html).toMatch(
        /<p class="aborted">Aborted by <b>ops<\/b>: “error rate &lt;b&gt;up&lt;\/b&gt;” <time[^>]*>5 min ago<\/time><\/p>/,
      );
    }
    const plain = await seedDeployment(adapters.state, clock, { env: 'production', version: '1.0.0' });
    expect(await (await app.request(`/deployments/${plain.id}`)).text()).not.toContain('Aborted by');
  });
});

describe('dashboard GET /: operations', () => {
  it('marks a stale fleet and lists the jobs the worker gave up on, with their correlation ids', async () => {
    const { app, adapters, clock } = await open();
    const { acquireFleet } = await import('../../../functions/state/fleets');
    const { recordFailedJob } = await import('../../../functions/state/failed-jobs');
    const since = clock.now().toISOString();
    await acquireFleet(adapters.state, 'web', { deploymentId: 'd-lost', app: 'hello', env: 'staging', since });
    await recordFailedJob(adapters.state, {
      id: 'm-1',
      messageId: 'm-1',
      correlationId: 'corr-<b>',
      errorName: 'InvalidJobError',
      error: 'invalid job message: type: <script>',
      reason: 'permanent',
      attempts: 1,
      at: since,
      body: 'not json',
    });
    const html = await (await app.request('/')).text();
    expect(html).toContain('fleet held by d-lost: stale');
    expect(html).toContain('deployment d-lost no longer exists');
    expect(html).toContain('Failed jobs');
    expect(html).toContain('InvalidJobError: invalid job message: type: &lt;script&gt;'); // escaped, never markup
    expect(html).toContain('correlation corr-&lt;b&gt;');
  });

  it('shows neither when every fleet is free and no job failed', async () => {
    const { app } = await open();
    const html = await (await app.request('/')).text();
    expect(html).not.toContain('Failed jobs');
    expect(html).not.toContain('stale');
  });
});
