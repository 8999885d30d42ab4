import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../functions/cli/main';
import { memoryOutput } from '../../../functions/cli/output';
import { type HttpHarness, httpHarness, slackForm, slackHeaders } from '../../support/http-harness';

let h: HttpHarness;
afterEach(() => h?.close());

async function command(text: string, trigger: string) {
  const body = slackForm(text, { trigger_id: trigger });
  const res = await h.app.request('/slack/commands', { method: 'POST', body, headers: slackHeaders(body, h.nowSec()) });
  return { status: res.status, text: ((await res.json()) as { text: string }).text };
}

describe('Object.prototype names are not apps or environments', () => {
  it('refuses them in Slack commands with the known names, queueing nothing', async () => {
    h = await httpHarness();
    const cases: [string, string][] = [
      ['deploy constructor to staging', 'unknown app "constructor" — known: hello'],
      ['lock hello constructor', 'unknown environment "constructor" of hello — known: staging, production'],
      ['deploy hello to constructor', 'unknown environment "constructor" of hello — known: staging, production'],
      ['promote hello staging to constructor', 'unknown environment "constructor" of hello'],
      ['history hello constructor', 'unknown environment "constructor" of hello'],
      ['status constructor', 'unknown app "constructor"'],
    ];
    for (const [index, [text, expected]] of cases.entries()) {
      const reply = await command(text, `t-${index}`);
      expect(reply.status).toBe(200);
      expect(reply.text).toContain(expected);
    }
    expect(await h.drain()).toEqual([]);
  });

  it('answers 404 naming the known names on the read API (was a 500)', async () => {
    h = await httpHarness();
    for (const path of [
      '/api/apps/constructor',
      '/api/apps/__proto__',
      '/api/apps/toString',
      '/api/apps/hello/environments/constructor',
      '/api/apps/hello/environments/hasOwnProperty/deployments',
    ]) {
      const res = await h.app.request(path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).toMatch(/unknown (app|environment) .* — known: /);
    }
  });
});

describe('the CLI refuses prototype names too, before queueing', () => {
  it('answers "unknown environment/app" naming the known ones for lock, deploy and status', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tarmac-proto-'));
    const config = new URL('../../../examples/tarmac.yml', import.meta.url).pathname;
    try {
      const run = async (...args: string[]) => {
        const out = memoryOutput();
        const code = await main(['node', 'tarmac', '--config', config, '--data', join(dir, 'data'), ...args], out);
        return { code, stderr: out.err.join('') };
      };
      expect(await run('lock', 'hello', 'constructor', '--reason', 'x')).toEqual({
        code: 1,
        stderr: 'error: unknown environment "constructor" of hello — known: staging, production\n',
      });
      expect((await run('deploy', 'constructor', 'staging')).stderr).toBe(
        'error: unknown app "constructor" — known: hello\n',
      );
      expect((await run('status', '__proto__')).stderr).toBe('error: unknown app "__proto__" — known: hello\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
