import { afterEach, describe, expect, it } from 'vitest';
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
