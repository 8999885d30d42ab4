import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConsoleSessions } from '../../../functions/ports';
import { issueToken } from '../../../functions/state/tokens';
import { type HttpHarness, httpHarness } from '../../support/http-harness';

const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

describe('POST/DELETE /api/…/console (a deploy token for that environment)', () => {
  let h: HttpHarness;
  afterEach(() => h?.close());

  const setup = async (consoles?: ConsoleSessions) => {
    h = await httpHarness({ override: () => (consoles ? { consoles } : {}) });
    const issue = (name: string, scope: 'read' | 'deploy', environments: string[] = []) =>
      issueToken(h.adapters.secrets, h.clock, { name, scope, environments });
    return {
      ops: await issue('ops', 'deploy', ['hello/staging']),
      prod: await issue('prod_only', 'deploy', ['hello/production']),
      viewer: await issue('viewer', 'read'),
    };
  };
  const call = (method: string, path: string, token?: string, body?: unknown) =>
    h.app.request(`/api/apps/hello/environments/staging/console${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('answers how to reach the console, with the token name as who asked', async () => {
    const open = vi.fn(async () => ({ kind: 'websocket' as const }));
    const { ops } = await setup({ open });
    const res = await call('POST', '', ops, { host: 'h1' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ kind: 'websocket' });
    expect(open).toHaveBeenCalledWith({ app: 'hello', env: 'staging', host: 'h1', by: 'ops' });
  });

  it('refuses without a token (401), with a read token or one for another environment (403), naming what is missing', async () => {
    const open = vi.fn(async () => ({ kind: 'websocket' as const }));
    const terminate = vi.fn(async () => {});
    const { prod, viewer } = await setup({ open, terminate });
    for (const [method, path] of [
      ['POST', ''],
      ['DELETE', '/tarmac-s1'],
    ] as const) {
      const none = await call(method, path, undefined, method === 'POST' ? {} : undefined);
      expect(none.status).toBe(401);
      expect(await errorOf(none)).toMatch(/^a deploy token is required and none was sent/);
      const read = await call(method, path, viewer, method === 'POST' ? {} : undefined);
      expect(read.status).toBe(403);
      expect(await errorOf(read)).toMatch(
        /token "viewer" is a read token — this request changes state and needs a deploy token/,
      );
      const other = await call(method, path, prod, method === 'POST' ? {} : undefined);
      expect(other.status).toBe(403);
      expect(await errorOf(other)).toBe('token "prod_only" may change only hello/production — not hello/staging');
    }
    expect(open).not.toHaveBeenCalled();
    expect(terminate).not.toHaveBeenCalled();
  });

  it('answers a refused host with its message, and 501 on a server that opens no consoles', async () => {
    const open = vi.fn(async () => {
      throw new (await import('../../../functions/core/errors')).TarmacError('host h9 is not one of fleet web’s');
    });
    const { ops } = await setup({ open });
    const bad = await call('POST', '', ops, { host: 'h9' });
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toBe('host h9 is not one of fleet web’s');
    h.close();
    const again = await setup();
    const none = await call('POST', '', again.ops, {});
    expect(none.status).toBe(501);
    expect(await errorOf(none)).toBe('this server opens no consoles');
  });

  it('terminates a session the client could not use', async () => {
    const terminate = vi.fn(async () => {});
    const { ops } = await setup({ open: async () => ({ kind: 'websocket' }), terminate });
    const res = await call('DELETE', '/tarmac-s1', ops);
    expect(res.status).toBe(200);
    expect(terminate).toHaveBeenCalledWith('tarmac-s1');
  });
});
