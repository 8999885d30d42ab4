import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../functions/log';
import { keys } from '../../../functions/state/keys';
import { stateReadApi } from '../../../functions/state/state-read-api';
import {
  githubHeaders,
  type HttpHarness,
  httpHarness,
  type Json,
  pushEvent,
  SECRETS,
} from '../../support/http-harness';

let h: HttpHarness;
afterEach(() => h?.close());

describe('the app', () => {
  it('answers /health with a correlation id, and 404/405 as JSON', async () => {
    h = await httpHarness();
    const health = await h.app.request('/health');
    expect(health.status).toBe(200);
    expect(health.headers.get('x-tarmac-correlation-id')).toMatch(/^[0-9A-Z]{26}$/);
    const missing = await h.app.request('/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'no route GET /nope' });
    const post = await h.app.request('/health', { method: 'POST' });
    expect(post.status).toBe(405);
    // A write to /api needs a deploy token before anything else is said about it.
    expect((await h.app.request('/api/apps', { method: 'DELETE' })).status).toBe(401);
  });

  it('returns a generic 500 with the correlation id and no detail when a port throws', async () => {
    h = await httpHarness({
      override: ({ state }) => ({
        readApi: {
          environment: async () => {
            throw new Error('SQLITE_CORRUPT at /var/lib/tarmac/state.db');
          },
          history: stateReadApi(state).history,
        },
      }),
    });
    const res = await h.app.request('/api/apps/hello/environments/staging');
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toEqual({
      error: 'internal error — quote the correlation id when reporting it',
      correlationId: res.headers.get('x-tarmac-correlation-id'),
    });
  });
});

describe('GET /api', () => {
  it('lists apps from the configuration', async () => {
    h = await httpHarness();
    const res = await h.app.request('/api/apps');
    expect(await res.json()).toEqual({
      apps: [{ name: 'hello', repo: 'acme/hello', fleet: 'web', environments: ['staging', 'production'] }],
    });
  });

  it('says the read side is not available when none is injected', async () => {
    h = await httpHarness();
    expect((await h.app.request('/api/apps/hello')).status).toBe(501);
  });

  it('shows environments with current release, lock, pending and recent deployments from state', async () => {
    h = await httpHarness({ override: ({ state }) => ({ readApi: stateReadApi(state) }) });
    const { state } = h.adapters;
    const deployment = (id: string, status: string, createdAt: string) => ({
      id,
      app: 'hello',
      env: 'staging',
      version: '1.0.0',
      status,
      trigger: 'cli',
      requestedBy: 'alice',
      createdAt,
    });
    await state.put(keys.deployment('hello', 'staging', 'd1'), deployment('d1', 'succeeded', '2029-12-31T20:00:00Z'));
    await state.put(keys.deployment('hello', 'staging', 'd2'), deployment('d2', 'pending', '2029-12-31T21:00:00Z'));
    await state.put(keys.current('hello', 'staging'), {
      releaseId: '1.0.0-aaaaaaaaaaaa',
      version: '1.0.0',
      deploymentId: 'd1',
      at: '2029-12-31T20:05:00Z',
    });
    const res = await h.app.request('/api/apps/hello/environments/staging');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.current).toEqual({
      releaseId: '1.0.0-aaaaaaaaaaaa',
      version: '1.0.0',
      deploymentId: 'd1',
      at: '2029-12-31T20:05:00Z',
    });
    expect(body.pending.map((d: { id: string }) => d.id)).toEqual(['d2']);
    expect(body.recent.map((d: { id: string }) => d.id)).toEqual(['d1']);
    const app = (await (await h.app.request('/api/apps/hello')).json()) as Json;
    expect(app.environments.map((e: { env: string }) => e.env)).toEqual(['staging', 'production']);
    const history = (await (
      await h.app.request('/api/apps/hello/environments/staging/deployments?limit=1')
    ).json()) as Json;
    expect(history.deployments).toHaveLength(1);
    expect((await h.app.request('/api/apps/hello/environments/qa')).status).toBe(404);
  });
});

describe('logging', () => {
  it('logs every line with the correlation id, and never a stack trace or a secret', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).trim().split('\n'));
        done();
      },
    });
    h = await httpHarness({
      override: ({ queue }) => ({
        logger: createLogger({ destination, level: 'debug' }),
        queue: { ...queue, send: async () => Promise.reject(new Error('queue down')) } as typeof queue,
      }),
    });
    const body = JSON.stringify(pushEvent());
    const res = await h.app.request('/webhooks/github', {
      method: 'POST',
      body,
      headers: githubHeaders(body, 'push', 'log-1'),
    });
    expect(res.status).toBe(500);
    const correlationId = res.headers.get('x-tarmac-correlation-id');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      const entry = JSON.parse(line);
      expect(entry.correlationId).toBe(correlationId);
      expect(line).not.toMatch(/\n\s+at |"stack"/);
      for (const secret of Object.values(SECRETS)) expect(line).not.toContain(secret);
    }
    expect(lines.some((line) => line.includes('Error: queue down'))).toBe(true);
  });
});
