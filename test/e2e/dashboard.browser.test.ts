import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../functions/core/config';
import { type LocalRuntime, openLocalRuntime } from '../../functions/local/runtime';
import { type RunningServer, startServer } from '../../functions/local/server';
import { silentLogger } from '../../functions/log';
import { assertChromium, CHROMIUM, CHROMIUM_ARGS, RESULTS } from '../support/chromium';
import { seedDashboardStory } from '../support/dashboard-seed';
import { FakeClock } from '../support/fake-clock';
import { EXAMPLE_CONFIG, SECRETS } from '../support/http-harness';

const TOKEN = 'e2e-dashboard-token';

/** The browser's own function, used only inside `evaluate` (the project's types have no DOM lib). */
declare const getComputedStyle: (element: unknown) => { backgroundColor: string };

describe('dashboard in a real Chromium', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tarmac-dashboard-e2e-'));
  const profileDir = mkdtempSync(join(tmpdir(), 'tarmac-chromium-profile-'));
  const clock = new FakeClock('2030-01-01T08:00:00.000Z');
  let runtime: LocalRuntime;
  let server: RunningServer;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    assertChromium();
    // Prepare: the local runtime (worker, not consuming the queue) and the real server over the same stores.
    vi.stubEnv('TARMAC_DASHBOARD_TOKEN', TOKEN);
    const config = parseConfig(EXAMPLE_CONFIG);
    runtime = await openLocalRuntime({ dataDir, config, logger: silentLogger(), clock, work: false });
    for (const [name, value] of Object.entries(SECRETS)) await runtime.adapters.secrets.set('_global', name, value);
    server = await startServer({ config, adapters: runtime.adapters, port: 0, logger: silentLogger() });
    const { state } = runtime.adapters;
    await seedDashboardStory(state, clock);
    clock.advance(2 * 3600_000);
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await runtime?.close();
    vi.unstubAllEnvs();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(profileDir, { recursive: true, force: true });
  });

  it('asks for the token, then keeps the session in a cookie after ?token=', async () => {
    const refused = await page.goto(server.url);
    expect(refused?.status()).toBe(401);
    expect(await page.locator('h3').textContent()).toBe('Dashboard token required');

    const admitted = await page.goto(`${server.url}/?token=${TOKEN}`);

    expect(admitted?.status()).toBe(200);
    expect(page.url()).toBe(`${server.url}/`);
    const [cookie] = await browser.cookies(server.url);
    expect(cookie).toMatchObject({ name: 'tarmac_dashboard', httpOnly: true, sameSite: 'Strict' });
  });

  it('shows the deployed version of both environments, styled by the inline stylesheet', async () => {
    await page.goto(server.url);

    for (const [id, version] of [
      ['hello-staging', '1.4.0'],
      ['hello-production', '1.3.0'],
    ] as const) {
      const current = page.locator(`#${id} .version`);
      expect(await current.isVisible()).toBe(true);
      expect(await current.textContent()).toBe(version);
    }
    expect(await page.locator('#hello-production').textContent()).toContain('✗ h2 failed health check');
    expect(await page.evaluate('document.compatMode')).toBe('CSS1Compat');
    // The CSP allows the stylesheet by hash: a wrong hash would leave the header unstyled.
    const headerColor = await page.locator('header.top').evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(headerColor).toBe('rgb(29, 35, 48)');
  });

  it('shows a lock taken through the worker after a reload, and saves a full-page screenshot', async () => {
    await page.goto(server.url);
    expect(await page.locator('#hello-production .lock').count()).toBe(0);

    const result = await runtime.worker.handle({
      type: 'lock',
      v: 1,
      idempotencyKey: 'e2e-lock-1',
      correlationId: 'e2e-lock-corr',
      app: 'hello',
      env: 'production',
      by: 'bob',
      reason: 'database migration <b>running</b>',
    });
    clock.advance(3 * 3600_000);
    await page.reload();

    expect(result.outcome).toBe('done');
    const notice = page.locator('#hello-production .lock');
    expect(await notice.isVisible()).toBe(true);
    const lock = await notice.textContent();
    expect(lock).toContain('Locked by bob 3 h ago: “database migration <b>running</b>”');
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'dashboard.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(RESULTS, 'dashboard-narrow.png'), fullPage: true });
  });

  it('opens a deployment from its card, with the failing host output expanded', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(server.url);

    await page.locator('#hello-production .deploy a', { hasText: '1.4.0' }).click();

    expect(page.url()).toMatch(/\/deployments\/dep-production-1\.4\.0-\d+$/);
    const output = page.locator('details', { hasText: 'Output of h2' });
    expect(await output.getAttribute('open')).toBe('');
    expect(await output.locator('pre').last().isVisible()).toBe(true);
    expect(await output.locator('pre').last().textContent()).toContain('health check failed');
    await page.screenshot({ path: join(RESULTS, 'dashboard-deployment.png'), fullPage: true });
  });
});
