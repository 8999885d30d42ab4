import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openLocalAdapters } from '../../../functions/adapters/local';
import { parseConfig } from '../../../functions/core/config';
import { isLoopback, OpenBindError } from '../../../functions/local/listen';
import { startServer } from '../../../functions/local/server';
import { silentLogger } from '../../../functions/log';
import { issueToken } from '../../../functions/state/tokens';
import { EXAMPLE_CONFIG, SECRETS } from '../../support/http-harness';

describe('tarmac serve on a non-loopback address', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-bind-'));
  const adapters = openLocalAdapters(dir);
  const config = parseConfig(EXAMPLE_CONFIG);
  const serve = (host: string, insecureOpen = false) =>
    startServer({ config, adapters, host, port: 0, insecureOpen, logger: silentLogger() });

  beforeAll(async () => {
    for (const [name, value] of Object.entries(SECRETS)) await adapters.secrets.set('_global', name, value);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    adapters.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails without a read token, saying why and what to do', async () => {
    vi.stubEnv('TARMAC_DASHBOARD_TOKEN', '');
    const refused = serve('0.0.0.0');
    await expect(refused).rejects.toBeInstanceOf(OpenBindError);
    await expect(refused).rejects.toThrow(
      /refusing to listen on 0\.0\.0\.0 without a read token: the read API and the dashboard .* open to anyone .* --insecure-open/,
    );
  });

  it('listens with --insecure-open, or with a token (then /api needs it)', async () => {
    vi.stubEnv('TARMAC_DASHBOARD_TOKEN', '');
    const open = await serve('0.0.0.0', true);
    expect((await fetch(`http://127.0.0.1:${new URL(open.url).port}/api/apps`)).status).toBe(200);
    await open.close();
    vi.stubEnv('TARMAC_DASHBOARD_TOKEN', 'a-read-token');
    const guarded = await serve('0.0.0.0');
    expect((await fetch(`http://127.0.0.1:${new URL(guarded.url).port}/api/apps`)).status).toBe(401);
    await guarded.close();
  });

  it('listens with only a named API token, which /api then needs', async () => {
    vi.stubEnv('TARMAC_DASHBOARD_TOKEN', '');
    const token = await issueToken(adapters.secrets, adapters.clock, { name: 'ops', scope: 'read', environments: [] });
    const guarded = await serve('0.0.0.0');
    const url = `http://127.0.0.1:${new URL(guarded.url).port}/api/apps`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await guarded.close();
  });

  it('treats only loopback addresses as loopback', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com'].some(isLoopback)).toBe(false);
  });
});
