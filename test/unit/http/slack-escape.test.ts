import { afterEach, describe, expect, it } from 'vitest';
import { SlackResponder } from '../../../functions/adapters/notify/slack';
import { escapeSlack } from '../../../functions/core/chat';
import { statusBlocks } from '../../../functions/core/chat-blocks';
import type { EnvironmentSummary } from '../../../functions/core/summaries';
import { silentLogger } from '../../../functions/log';
import { type HttpHarness, httpHarness, slackForm, slackHeaders } from '../../support/http-harness';

const HOSTILE = '<!channel> see <http://evil.example|the runbook> & <@U0ADMIN>';
const SAFE = '&lt;!channel&gt; see &lt;http://evil.example|the runbook&gt; &amp; &lt;@U0ADMIN&gt;';

let h: HttpHarness | undefined;
afterEach(() => h?.close());

describe('Slack text from users is escaped (&, <, >) wherever tarmac puts it in a message', () => {
  it('escapes per Slack formatting rules', () => {
    expect(escapeSlack(HOSTILE)).toBe(SAFE);
  });

  it('puts a lock reason into status blocks as text, never as a mention or a disguised link', () => {
    const summary = {
      app: 'hello',
      env: 'production',
      current: undefined,
      lock: { by: '@mallory <!here>', reason: HOSTILE, since: '2026-01-01T00:00:00.000Z' },
      pending: [],
      recent: [],
    } as unknown as EnvironmentSummary;
    const json = JSON.stringify(statusBlocks([summary], new Date('2026-01-01T01:00:00Z')));
    expect(json).toContain(SAFE);
    expect(json).toContain('@mallory &lt;!here&gt;');
    expect(json).not.toMatch(/<!channel>|<!here>|<http/);
  });

  it('escapes the text posted to a response_url', async () => {
    const posted: string[] = [];
    const fetchImpl = (async (_url: string, init: { body: string }) => {
      posted.push(init.body);
      return new Response('ok');
    }) as unknown as typeof fetch;
    const responder = new SlackResponder(silentLogger(), fetchImpl);
    await responder.post({
      kind: 'info',
      text: `hello/production locked by @mallory: "${HOSTILE}"`,
      correlationId: 'c',
      slackResponseUrl: 'https://hooks.slack.com/commands/T/1/x',
    });
    expect(JSON.parse(posted[0] ?? '{}').text).toBe(`hello/production locked by @mallory: "${SAFE}"`);
  });

  it('answers a slash command that echoes the reason with the reason escaped (typed as Slack sends it)', async () => {
    h = await httpHarness();
    const harness = h;
    // Slack delivers & < > typed by the user as entities; tarmac stores plain text and escapes once on output.
    const body = slackForm(`lock hello staging ${escapeSlack(HOSTILE)}`);
    const res = await harness.app.request('/slack/commands', {
      method: 'POST',
      body,
      headers: slackHeaders(body, harness.nowSec()),
    });
    const { text } = (await res.json()) as { text: string };
    expect(text).toContain(`Queued: lock hello/staging ("${SAFE}")`);
    expect(text).not.toMatch(/<!channel>|<http/);
    const [job] = (await harness.drain()) as { reason: string }[];
    expect(job?.reason).toBe(HOSTILE);
  });
});
