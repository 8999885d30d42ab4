import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryOutput } from '../../functions/cli/output';
import { pushToServer } from '../../functions/cli/release-push';
import { parseConfig } from '../../functions/core/config';
import { type LocalRuntime, openLocalRuntime } from '../../functions/local/runtime';
import { type RunningServer, startServer } from '../../functions/local/server';
import { silentLogger } from '../../functions/log';
import { deploymentHistory, getCurrent } from '../../functions/state/deployments';
import { listReleases } from '../../functions/state/releases';
import { assertChromium, CHROMIUM, CHROMIUM_ARGS, RESULTS } from '../support/chromium';
import { buildFixture } from '../support/fixture';
import { bootTestHosts, type TestHosts } from '../support/hosts';
import { EXAMPLE_CONFIG, SECRETS } from '../support/http-harness';
import { githubPush, health, provisionSecrets, settledDeployment } from '../support/pipeline';

const SHA = { v1: '1'.repeat(40), v2: '2'.repeat(40), v3: '3'.repeat(40) };
const PORTS = { staging: 4001, production: 4002 } as const;

/**
 * The whole local pipeline on real systemd hosts: signed CI uploads and build events, signed GitHub pushes,
 * the worker, the local deployer and the real OTP release — then the dashboard in a real Chromium.
 */
describe('local pipeline end to end (real hosts, real release, real browser)', () => {
  let hosts: TestHosts;
  let runtime: LocalRuntime;
  let server: RunningServer;
  let tarballs: ReturnType<typeof buildFixture>;
  const config = parseConfig(EXAMPLE_CONFIG);

  const upload = async (version: '1.0.0' | '2.0.0' | '3.0.0', sha: string) => {
    process.env.TARMAC_BUILD_SECRET = SECRETS.build_webhook_secret;
    const options = { config: 'unused', data: hosts.dataDir, server: server.url };
    await pushToServer(options, tarballs[version], { app: 'hello', version, sha, branch: 'main' }, memoryOutput());
  };
  const versionsOn = async (port: number) =>
    Promise.all(hosts.hosts.map(async (host) => (await health(host.address, port)).body.version));

  beforeAll(async () => {
    assertChromium();
    tarballs = buildFixture();
    hosts = await bootTestHosts(2);
    runtime = await openLocalRuntime({ dataDir: hosts.dataDir, config, logger: silentLogger() });
    await provisionSecrets(runtime.adapters, config);
    server = await startServer({ config, adapters: runtime.adapters, port: 0, logger: silentLogger() });
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    await runtime?.close();
    await hosts?.teardown();
  });

  it('deploys a build to staging when its push arrives (continuous delivery, push second)', async () => {
    await upload('1.0.0', SHA.v1);
    expect((await githubPush(server.url, { branch: 'main', sha: SHA.v1, pusher: 'carol' })).status).toBe(202);
    const deployment = await settledDeployment(runtime.adapters, 'staging', 1);
    expect(deployment).toMatchObject({ status: 'succeeded', version: '1.0.0', trigger: 'push', requestedBy: 'carol' });
    expect(deployment.hosts.map((h) => h.status)).toEqual(['succeeded', 'succeeded']);
    expect(await versionsOn(PORTS.staging)).toEqual(['1.0.0', '1.0.0']);
  }, 180_000);

  it('deploys when the build arrives after its push (continuous delivery, build second)', async () => {
    expect((await githubPush(server.url, { branch: 'main', sha: SHA.v2, pusher: 'dave' })).status).toBe(202);
    await upload('2.0.0', SHA.v2);
    expect(await settledDeployment(runtime.adapters, 'staging', 2)).toMatchObject({
      status: 'succeeded',
      version: '2.0.0',
    });
    expect(await versionsOn(PORTS.staging)).toEqual(['2.0.0', '2.0.0']);
  }, 180_000);

  it('promotes the very same tarball to production', async () => {
    const id = runtime.adapters.ids.next();
    await runtime.worker.handle({
      v: 1,
      type: 'promote',
      idempotencyKey: `e2e-${id}`,
      correlationId: id,
      app: 'hello',
      from: 'staging',
      to: 'production',
      requestedBy: 'erin',
    });
    const deployment = await settledDeployment(runtime.adapters, 'production', 1);
    expect(deployment).toMatchObject({ status: 'succeeded', trigger: 'promote' });
    expect(deployment.sha256).toBe((await getCurrent(runtime.adapters.state, 'hello', 'staging'))?.sha256);
    expect(await versionsOn(PORTS.production)).toEqual(['2.0.0', '2.0.0']);
    expect(await versionsOn(PORTS.staging)).toEqual(['2.0.0', '2.0.0']);
  }, 180_000);

  it('rolls staging back to the previous successful release', async () => {
    const id = runtime.adapters.ids.next();
    await runtime.worker.handle({
      v: 1,
      type: 'rollback',
      idempotencyKey: `e2e-${id}`,
      correlationId: id,
      app: 'hello',
      env: 'staging',
      requestedBy: 'erin',
    });
    expect(await settledDeployment(runtime.adapters, 'staging', 3)).toMatchObject({
      status: 'succeeded',
      version: '1.0.0',
      trigger: 'rollback',
    });
    expect(await versionsOn(PORTS.staging)).toEqual(['1.0.0', '1.0.0']);
  }, 180_000);

  it('does not deploy a push while staging is locked, and the dashboard shows versions and the lock', async () => {
    const id = runtime.adapters.ids.next();
    await runtime.worker.handle({
      v: 1,
      type: 'lock',
      idempotencyKey: `e2e-${id}`,
      correlationId: id,
      app: 'hello',
      env: 'staging',
      reason: 'db maintenance',
      by: 'alice',
    });
    await githubPush(server.url, { branch: 'main', sha: SHA.v3, pusher: 'carol' });
    await upload('3.0.0', SHA.v3);
    for (
      let i = 0;
      i < 100 && !(await listReleases(runtime.adapters.state, 'hello')).some((r) => r.version === '3.0.0');
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1000)); // give a (wrong) deploy the chance to start
    expect(await deploymentHistory(runtime.adapters.state, 'hello', 'staging')).toHaveLength(3);
    expect(await versionsOn(PORTS.staging)).toEqual(['1.0.0', '1.0.0']);

    const profile = mkdtempSync(join(tmpdir(), 'tarmac-chromium-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/`);
      const text = (await page.locator('body').textContent()) ?? '';
      expect(text).toMatch(/staging[\s\S]*1\.0\.0/);
      expect(text).toMatch(/production[\s\S]*2\.0\.0/);
      expect(text).toContain('db maintenance');
      expect(text).toContain('alice');
      mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: join(RESULTS, 'pipeline-dashboard.png'), fullPage: true });
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 180_000);
});
