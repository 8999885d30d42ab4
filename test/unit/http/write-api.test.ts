import { afterEach, describe, expect, it } from 'vitest';
import { issueToken, revokeToken } from '../../../functions/state/tokens';
import { type HttpHarness, httpHarness } from '../../support/http-harness';

const KEY = 'k-0123456789';
const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

describe('the write API (/api with a deploy token)', () => {
  let h: HttpHarness;
  afterEach(() => h?.close());

  const withTokens = async () => {
    h = await httpHarness();
    const issue = (name: string, scope: 'read' | 'deploy', environments: string[] = []) =>
      issueToken(h.adapters.secrets, h.clock, { name, scope, environments });
    return {
      ci: await issue('ci_bot', 'deploy'),
      staging: await issue('stager', 'deploy', ['hello/staging']),
      viewer: await issue('viewer', 'read'),
    };
  };
  const call = (method: string, path: string, token?: string, body?: unknown, key: string | null = KEY) =>
    h.app.request(`/api${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(key ? { 'idempotency-key': key } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  it('queues a deploy as the job a local command queues, with the token name as requester and trigger api', async () => {
    const { ci } = await withTokens();
    const res = await call('POST', '/apps/hello/environments/staging/deploy', ci, { version: '1.4.2' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ idempotencyKey: `api-ci_bot-${KEY}`, duplicate: false });
    expect(await h.drain()).toEqual([
      expect.objectContaining({
        type: 'deploy',
        app: 'hello',
        env: 'staging',
        ref: '1.4.2',
        trigger: 'api',
        requestedBy: 'ci_bot',
        idempotencyKey: `api-ci_bot-${KEY}`,
      }),
    ]);
  });

  it('answers a retried request (same Idempotency-Key) with the same job and queues nothing twice', async () => {
    const { ci } = await withTokens();
    expect((await call('POST', '/apps/hello/environments/staging/rollback', ci)).status).toBe(202);
    const again = await call('POST', '/apps/hello/environments/staging/rollback', ci);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ idempotencyKey: `api-ci_bot-${KEY}`, duplicate: true });
    expect(await h.drain()).toHaveLength(1);
  });

  it('maps lock, unlock, promote, abort and fleet free to their jobs', async () => {
    const { ci } = await withTokens();
    const at = '/apps/hello/environments';
    expect((await call('PUT', `${at}/production/lock`, ci, { reason: 'freeze' }, 'key-lock-1')).status).toBe(202);
    expect((await call('DELETE', `${at}/production/lock`, ci, undefined, 'key-unlock-1')).status).toBe(202);
    expect((await call('POST', `${at}/production/promote`, ci, { from: 'staging' }, 'key-promo-1')).status).toBe(202);
    expect((await call('POST', `${at}/staging/abort`, ci, { reason: 'bad metrics' }, 'key-abort-1')).status).toBe(202);
    expect((await call('POST', '/fleets/web/free', ci, { reason: 'lost', force: true }, 'key-free-01')).status).toBe(
      202,
    );
    expect(await h.drain()).toMatchObject([
      { type: 'lock', env: 'production', reason: 'freeze', by: 'ci_bot' },
      { type: 'unlock', env: 'production', by: 'ci_bot' },
      { type: 'promote', from: 'staging', to: 'production', requestedBy: 'ci_bot' },
      { type: 'abort', env: 'staging', by: 'ci_bot', reason: 'bad metrics' },
      { type: 'fleet-free', fleet: 'web', by: 'ci_bot', reason: 'lost', force: true },
    ]);
  });

  it('fails without a token, with a wrong or revoked one, and with a read token — and queues nothing', async () => {
    const { ci, viewer } = await withTokens();
    const path = '/apps/hello/environments/staging/deploy';
    const none = await call('POST', path);
    expect(none.status).toBe(401);
    expect(await errorOf(none)).toMatch(/a deploy token is required and none was sent/);
    expect((await call('POST', path, `${ci.slice(0, -2)}xx`)).status).toBe(401);
    expect((await call('POST', path, 'not-a-token-at-all')).status).toBe(401);
    const read = await call('POST', path, viewer);
    expect(read.status).toBe(403);
    expect(await errorOf(read)).toBe(
      'token "viewer" is a read token — this request changes state and needs a deploy token (tarmac tokens create <name> --scope deploy)',
    );
    await revokeToken(h.adapters.secrets, h.clock, 'ci_bot');
    h.clock.advance(61_000); // past the intake's secret cache
    expect((await call('POST', path, ci)).status).toBe(401);
    expect(await h.drain()).toEqual([]);
  });

  it('fails a token limited to other environments, naming what it may change', async () => {
    const { staging } = await withTokens();
    const res = await call('POST', '/apps/hello/environments/production/deploy', staging);
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toBe('token "stager" may change only hello/staging — not hello/production');
    expect((await call('POST', '/fleets/web/free', staging, { reason: 'x' })).status).toBe(403);
    expect((await call('POST', '/apps/hello/environments/staging/deploy', staging)).status).toBe(202);
  });

  it('fails bad requests with what to send: no key, bad JSON, unknown names, missing fields', async () => {
    const { ci } = await withTokens();
    const deploy = '/apps/hello/environments/staging/deploy';
    expect(await errorOf(await call('POST', deploy, ci, {}, null))).toMatch(/send an Idempotency-Key header/);
    expect((await call('POST', deploy, ci, '{nope')).status).toBe(400);
    const unknown = await call('POST', '/apps/hello/environments/qa/deploy', ci);
    expect(unknown.status).toBe(404);
    expect(await errorOf(unknown)).toMatch(/unknown environment "qa"/);
    const lock = await call('PUT', '/apps/hello/environments/staging/lock', ci, {});
    expect(lock.status).toBe(400);
    expect(await errorOf(lock)).toMatch(/^request body: reason:/);
    expect((await call('POST', '/fleets/nope/free', ci, { reason: 'x' })).status).toBe(404);
    expect(await h.drain()).toEqual([]);
  });

  it('maps maintenance on and off to the maintenance job, and refuses a body without on', async () => {
    const { ci } = await withTokens();
    const at = '/apps/hello/environments/staging/maintenance';
    expect((await call('POST', at, ci, { on: true, reason: 'db move' }, 'key-maint-1')).status).toBe(202);
    expect((await call('POST', at, ci, { on: false }, 'key-maint-2')).status).toBe(202);
    const bad = await call('POST', at, ci, { reason: 'x' }, 'key-maint-3');
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toMatch(/^request body: on:/);
    expect(await h.drain()).toMatchObject([
      { type: 'maintenance', env: 'staging', on: true, by: 'ci_bot', reason: 'db move' },
      { type: 'maintenance', env: 'staging', on: false, by: 'ci_bot' },
    ]);
  });

  it('serves reads open only while no token exists; then any token reads', async () => {
    h = await httpHarness();
    expect((await h.app.request('/api/apps')).status).toBe(200);
    expect((await call('POST', '/apps/hello/environments/staging/rollback')).status).toBe(401);
    const viewer = await issueToken(h.adapters.secrets, h.clock, { name: 'viewer', scope: 'read', environments: [] });
    h.clock.advance(61_000);
    expect((await h.app.request('/api/apps')).status).toBe(401);
    const read = await h.app.request('/api/apps', { headers: { authorization: `Bearer ${viewer}` } });
    expect(read.status).toBe(200);
  });
});
