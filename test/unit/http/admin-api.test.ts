import { afterEach, describe, expect, it } from 'vitest';
import type { TokenScope } from '../../../functions/core/tokens';
import { issueToken, revokeToken } from '../../../functions/state/tokens';
import { type HttpHarness, httpHarness } from '../../support/http-harness';

const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

describe('the admin API (/api/secrets, /api/tokens with an admin token)', () => {
  let h: HttpHarness;
  afterEach(() => h?.close());

  const withTokens = async () => {
    h = await httpHarness();
    const issue = (name: string, scope: TokenScope) =>
      issueToken(h.adapters.secrets, h.clock, { name, scope, environments: [] });
    return {
      root: await issue('root', 'admin'),
      ci: await issue('ci_bot', 'deploy'),
      viewer: await issue('viewer', 'read'),
    };
  };
  const call = (method: string, path: string, token?: string, body?: unknown) =>
    h.app.request(`/api${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('sets a secret from the body into the server store, lists names only, and never answers a value', async () => {
    const { root } = await withTokens();
    const value = 'pg-pass-0123456789-very-secret';
    const set = await call('PUT', '/secrets', root, { scope: 'hello/staging', name: 'database_password', value });
    expect(set.status).toBe(200);
    expect(await h.adapters.secrets.get('hello/staging', 'database_password')).toBe(value);
    const list = await call('GET', '/secrets?scope=hello/staging', root);
    const text = await list.text();
    expect(JSON.parse(text)).toEqual({ scope: 'hello/staging', names: ['database_password'] });
    expect(text).not.toContain(value);
  });

  it('initialises an instance from the server’s own tarmac.yml, never replacing a value', async () => {
    const { root } = await withTokens();
    await h.adapters.secrets.set('hello/staging', 'erlang_cookie', 'kept');
    const res = await call('POST', '/secrets/init', root, { app: 'hello', env: 'staging' });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { scope: string; created: string[] };
    expect(report).toMatchObject({ scope: 'hello/staging', created: ['secret_key_base'] });
    expect(await h.adapters.secrets.get('hello/staging', 'erlang_cookie')).toBe('kept');
    expect(JSON.stringify(report)).not.toContain(
      (await h.adapters.secrets.get('hello/staging', 'secret_key_base')) ?? '?',
    );
  });

  it('creates, lists and revokes tokens; a new token works and a revoked one is refused at once', async () => {
    const { root } = await withTokens();
    const created = await call('POST', '/tokens', root, { name: 'alice', scope: 'deploy', environments: ['hello/*'] });
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    expect(token).toMatch(/^tarmac\.alice\./);
    expect((await call('GET', '/apps', token)).status).toBe(200);
    const list = (await (await call('GET', '/tokens', root)).json()) as { tokens: { name: string }[] };
    expect(list.tokens.map((t) => t.name)).toEqual(['alice', 'ci_bot', 'root', 'viewer']);
    expect(JSON.stringify(list)).not.toContain(token.split('.')[2]);
    expect((await call('DELETE', '/tokens/alice', root)).status).toBe(200);
    expect((await call('GET', '/apps', token)).status).toBe(401);
    const again = await call('POST', '/tokens', root, { name: 'root', scope: 'admin' });
    expect(again.status).toBe(400);
    expect(await errorOf(again)).toBe('token "root" exists — revoke it first (tarmac tokens revoke root)');
  });

  it('refuses every admin request without a token (401) or with a deploy or read token (403), naming what is missing', async () => {
    const { ci, viewer } = await withTokens();
    const requests: [string, string, unknown?][] = [
      ['GET', '/secrets?scope=_global'],
      ['PUT', '/secrets', { scope: '_global', name: 'x', value: 'y' }],
      ['POST', '/secrets/init', { app: 'hello', env: 'staging' }],
      ['GET', '/tokens'],
      ['POST', '/tokens', { name: 'mallory', scope: 'admin' }],
      ['DELETE', '/tokens/ci_bot'],
    ];
    for (const [method, path, body] of requests) {
      const none = await call(method, path, undefined, body);
      expect(none.status).toBe(401);
      expect(await errorOf(none)).toMatch(/^an admin token is required and none was sent .*--scope admin\)$/);
      for (const [token, scope] of [
        [ci, 'deploy'],
        [viewer, 'read'],
      ] as const) {
        const res = await call(method, path, token, body);
        expect(res.status).toBe(403);
        expect(await errorOf(res)).toMatch(new RegExp(`is a ${scope} token — secrets and tokens need an admin token`));
      }
    }
    expect(await h.adapters.secrets.get('_global', 'x')).toBeUndefined();
    expect(await h.adapters.secrets.get('_global', 'token_mallory')).toBeUndefined();
    expect((await call('GET', '/apps', ci)).status).toBe(200); // ci_bot was not revoked
  });

  it('refuses an unknown instance, a bad name, a token record and a revoked admin token, changing nothing', async () => {
    const { root } = await withTokens();
    const cases: [unknown, number, RegExp][] = [
      [{ scope: 'hello/qa', name: 'x', value: 'v' }, 404, /qa/],
      [{ scope: 'hello/staging', name: 'Bad-Name', value: 'v' }, 400, /secret name "Bad-Name" is not valid/],
      [{ scope: '_global', name: 'token_ci_bot', value: 'v' }, 400, /is a token record — use tarmac tokens/],
      [{ scope: 'hello/staging', name: 'x', value: '' }, 400, /request body: value/],
    ];
    for (const [body, status, message] of cases) {
      const res = await call('PUT', '/secrets', root, body);
      expect(res.status).toBe(status);
      expect(await errorOf(res)).toMatch(message);
    }
    expect(await h.adapters.secrets.listNames('hello/staging')).toEqual([]);
    await revokeToken(h.adapters.secrets, h.clock, 'root');
    h.clock.advance(61_000);
    expect((await call('GET', '/tokens', root)).status).toBe(401);
  });
});
