import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config';
import { silentLogger } from '../../../functions/log';
import type { HostCommandResult, OperatorHosts } from '../../../functions/ports';
import { accessHistory } from '../../../functions/state/access';
import { issueToken } from '../../../functions/state/tokens';
import { operatorAccess } from '../../../functions/worker/operator-access';
import { EXAMPLE_CONFIG, type HttpHarness, httpHarness, type Json } from '../../support/http-harness';

const SECRET = 'skb-91c0"d2e3f4a5';
const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

/** Hosts h1 and h2 that answer journalctl and rpc from a script, remembering every argv. */
function scriptedHosts(answer: (host: string, argv: readonly string[]) => HostCommandResult | Error) {
  const calls: { host: string; argv: readonly string[]; timeoutMs: number }[] = [];
  const hosts: OperatorHosts = {
    hostsOf: async (target) => [...target.hosts],
    exec: async (host, argv, options) => {
      calls.push({ host, argv, timeoutMs: options.timeoutMs });
      const result = answer(host, argv);
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return { hosts, calls };
}

const journal = (host: string, lines: string[]) => ({
  code: 0,
  stdout: `${[...lines, `-- cursor: s=${host};i=9`].join('\n')}\n`,
  stderr: '',
});

describe('the operator API (/api/…/logs and …/eval)', () => {
  let h: HttpHarness;
  afterEach(() => h?.close());

  async function setUp(answer: Parameters<typeof scriptedHosts>[0], maxMs = 3_600_000) {
    const scripted = scriptedHosts(answer);
    h = await httpHarness({
      override: (deps) => ({
        operator: operatorAccess({
          config: parseConfig(EXAMPLE_CONFIG),
          hosts: scripted.hosts,
          secrets: deps.secrets,
          state: deps.state,
          clock: deps.clock,
          logger: silentLogger(),
          via: 'local',
          maxMs,
        }),
      }),
    });
    await h.adapters.secrets.set('hello/staging', 'secret_key_base', SECRET);
    const issue = (name: string, scope: 'read' | 'deploy', environments: string[] = []) =>
      issueToken(h.adapters.secrets, h.clock, { name, scope, environments });
    const tokens = {
      viewer: await issue('viewer', 'read'),
      ci: await issue('ci_bot', 'deploy'),
      prod: await issue('prod_only', 'deploy', ['hello/production']),
    };
    return { ...scripted, tokens };
  }
  const get = (path: string, token?: string) =>
    h.app.request(`/api/apps/hello/environments/staging${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  const evaluate = (token: string | undefined, body: unknown, key: string | null = 'eval-key-0001') =>
    h.app.request('/api/apps/hello/environments/staging/eval', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: JSON.stringify(body),
    });

  it('answers every host’s journal with the cursor, secrets redacted on the server', async () => {
    const { tokens, calls } = await setUp((host) =>
      host === 'h1' ? journal('h1', [`20.5 x app[1]: key=${SECRET}`]) : new Error('no running host h2'),
    );
    const res = await get('/logs?lines=7', tokens.viewer);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body).toEqual({
      unit: 'tarmac-hello-staging.service',
      via: 'local',
      reads: [
        {
          host: 'h1',
          entries: [{ host: 'h1', at: 20.5, text: 'app[1]: key=[redacted secret_key_base]' }],
          cursor: 's=h1;i=9',
        },
        { host: 'h2', error: 'unreachable: no running host h2' },
      ],
    });
    expect(JSON.stringify(body)).not.toContain(SECRET);
    expect(calls.map((c) => c.argv.at(-1))).toEqual(['--lines=7', '--lines=7']);
  });

  it('reads one host after its cursor (--follow), and refuses a host outside the fleet by name', async () => {
    const { tokens, calls } = await setUp((host) => journal(host, ['30.0 x app[1]: new']));
    const res = await get('/logs?host=h2&after=s%3Dh2%3Bi%3D9', tokens.viewer);
    expect(((await res.json()) as Json).reads.map((r: { host: string }) => r.host)).toEqual(['h2']);
    expect(calls[0]?.argv).toContain('--after-cursor=s=h2;i=9');
    const bad = await get('/logs?host=h9', tokens.viewer);
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toBe("host h9 is not one of fleet web's (hosts: h1, h2) — pass one of them with --host");
    const cursor = await get('/logs?after=%27%3Brm', tokens.viewer);
    expect(cursor.status).toBe(400);
    expect(await errorOf(cursor)).toMatch(/^query after: a journal cursor/);
  });

  it('needs a named token covering the environment for logs, saying what is missing', async () => {
    const { tokens, calls } = await setUp((host) => journal(host, []));
    const none = await get('/logs');
    expect(none.status).toBe(401);
    expect(await errorOf(none)).toMatch(/a token is required and none was sent/);
    const other = await get('/logs', tokens.prod);
    expect(other.status).toBe(403);
    expect(await errorOf(other)).toBe(
      'token "prod_only" may read the logs of only hello/production — not hello/staging',
    );
    expect(calls).toEqual([]);
  });

  it('runs eval once per Idempotency-Key, redacted, audited with the token name, exit status carried', async () => {
    const { tokens, calls } = await setUp(() => ({ code: 1, stdout: `got ${SECRET}\n`, stderr: 'boom\n' }));
    const res = await evaluate(tokens.ci, { host: 'h2', expression: `IO.puts("${SECRET}")`, timeout: 5 });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Json;
    expect(answer).toMatchObject({
      host: 'h2',
      unit: 'tarmac-hello-staging.service',
      exitCode: 1,
      stdout: 'got [redacted secret_key_base]\n',
      stderr: 'boom\n',
      duplicate: false,
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.argv).toContain(`--unit=tarmac-hello-staging-rpc-${answer.session}`);
    expect(calls[0]?.timeoutMs).toBe(5000);
    const again = await evaluate(tokens.ci, { host: 'h2', expression: 'other' });
    expect(await again.json()).toMatchObject({ session: answer.session, exitCode: 1, duplicate: true });
    expect(calls).toHaveLength(1);
    const [record] = await accessHistory(h.adapters.state, 'hello', 'staging');
    expect(record).toMatchObject({
      id: answer.session,
      kind: 'eval',
      host: 'h2',
      by: 'ci_bot',
      via: 'local',
      exitCode: 1,
      expression: 'IO.puts("[redacted secret_key_base]")',
    });
  });

  it('refuses eval without a deploy token for the environment or a key, and asks which host', async () => {
    const { tokens, calls } = await setUp(() => ({ code: 0, stdout: '', stderr: '' }));
    expect(await errorOf(await evaluate(undefined, { host: 'h1', expression: '1' }))).toMatch(
      /a deploy token is required and none was sent/,
    );
    const read = await evaluate(tokens.viewer, { host: 'h1', expression: '1' });
    expect(read.status).toBe(403);
    expect(await errorOf(read)).toMatch(/token "viewer" is a read token/);
    const prod = await evaluate(tokens.prod, { host: 'h1', expression: '1' });
    expect(await errorOf(prod)).toBe('token "prod_only" may change only hello/production — not hello/staging');
    const keyless = await evaluate(tokens.ci, { host: 'h1', expression: '1' }, null);
    expect(keyless.status).toBe(400);
    expect(await errorOf(keyless)).toMatch(/send an Idempotency-Key header/);
    const which = await evaluate(tokens.ci, { expression: '1' }, 'eval-key-0002');
    expect(which.status).toBe(400);
    expect(await errorOf(which)).toBe('fleet web has 2 hosts (h1, h2) — say which with --host');
    expect(calls).toEqual([]);
  });

  it('bounds eval by the server’s budget and says when no answer came in time', async () => {
    const { tokens, calls } = await setUp(() => new Error('SSM command c-1 on h1 still InProgress'), 7_000);
    const res = await evaluate(tokens.ci, { host: 'h1', expression: '1', timeout: 600 });
    expect(res.status).toBe(504);
    expect(await errorOf(res)).toBe('eval on h1 gave no answer within 7 s: SSM command c-1 on h1 still InProgress');
    expect(calls[0]?.timeoutMs).toBe(7_000);
  });

  it('answers 501 where the server does not reach hosts', async () => {
    h = await httpHarness();
    const token = await issueToken(h.adapters.secrets, h.clock, { name: 'viewer', scope: 'read', environments: [] });
    const res = await get('/logs', token);
    expect(res.status).toBe(501);
  });
});
