import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../functions/core/deployments';
import type { Release } from '../../../functions/core/releases';
import { keys } from '../../../functions/state/keys';
import { recordRelease } from '../../../functions/state/releases';
import { stateReadApi } from '../../../functions/state/state-read-api';
import { type HttpHarness, httpHarness, slackForm, slackHeaders } from '../../support/http-harness';

let h: HttpHarness;
afterEach(() => h?.close());

async function command(text: string, overrides: Record<string, string> = {}) {
  const body = slackForm(text, overrides);
  const res = await h.app.request('/slack/commands', {
    method: 'POST',
    body,
    headers: slackHeaders(body, h.nowSec()),
  });
  return {
    status: res.status,
    body: (await res.json()) as { response_type: string; text: string; blocks?: { text?: { text: string } }[] },
  };
}

const replyTo = { slackResponseUrl: 'https://hooks.slack.com/commands/T1/1/abc' };

describe('POST /slack/commands', () => {
  it('queues every mutating subcommand with the response_url, answering ephemerally', async () => {
    h = await httpHarness();
    const cases: [string, Record<string, unknown>][] = [
      ['deploy hello 1.0.0 to staging', { type: 'deploy', env: 'staging', ref: '1.0.0', trigger: 'slack' }],
      ['rollback hello production', { type: 'rollback', env: 'production' }],
      ['promote hello staging to production', { type: 'promote', from: 'staging', to: 'production' }],
      ['lock hello production release freeze', { type: 'lock', env: 'production', reason: 'release freeze' }],
      ['unlock hello production', { type: 'unlock', env: 'production', by: '@alice' }],
      // Who aborted: the Slack user, as for a lock.
      ['abort hello staging error rate', { type: 'abort', env: 'staging', reason: 'error rate', by: '@alice' }],
    ];
    for (const [text, job] of cases) {
      const { status, body } = await command(text);
      expect(status).toBe(200);
      expect(body.response_type).toBe('ephemeral');
      expect(body.text).toMatch(/^Queued: /);
      const [message] = await h.adapters.queue.receive({ max: 1, visibilityTimeoutSec: 30 });
      expect(message?.body).toMatchObject({ ...job, app: 'hello', replyTo });
      await h.adapters.queue.ack(message?.receipt ?? '');
    }
  });

  it('answers help and parse errors with the help text, queueing nothing', async () => {
    h = await httpHarness();
    // Escaped for Slack, which shows `/tarmac deploy <app> …` (a bare `<app>` would be read as a link).
    expect((await command('help')).body.text).toContain(
      '/tarmac deploy &lt;app&gt; [&lt;version|sha|branch&gt;] to &lt;env&gt;',
    );
    const noEnv = await command('deploy hello production');
    expect(noEnv.status).toBe(200);
    expect(noEnv.body.text).toMatch(/^name the environment[\s\S]*Usage:/);
    expect((await command('deploy nope to staging')).body.text).toContain('unknown app "nope"');
    expect((await command('deploy hello to qa')).body.text).toContain('unknown environment "qa" of hello');
    expect((await command('promote hello qa to staging')).body.text).toContain('unknown environment "qa"');
    expect(await h.drain()).toEqual([]);
  });

  it('refuses users and channels not allowed for the environment, queueing nothing', async () => {
    h = await httpHarness();
    const otherUser = await command('deploy hello to production', { user_id: 'U999', trigger_id: 't-a' });
    expect(otherUser.body.text).toMatch(/^<@U999> may not deploy hello\/production/);
    const otherChannel = await command('lock hello production', { channel_id: 'CRANDOM', trigger_id: 't-b' });
    expect(otherChannel.body.text).toContain('may not lock hello/production');
    const promote = await command('promote hello staging to production', { user_id: 'U999', trigger_id: 't-c' });
    expect(promote.body.text).toContain('may not promote hello/production');
    expect(await h.drain()).toEqual([]);
    // staging has no `chat` block: anyone may deploy there.
    const staging = await command('deploy hello to staging', { user_id: 'U999', channel_id: 'CRANDOM' });
    expect(staging.body.text).toMatch(/^Queued/);
  });

  it('treats a repeated trigger_id as a duplicate', async () => {
    h = await httpHarness();
    await command('deploy hello to staging', { trigger_id: 'same' });
    const again = await command('deploy hello to staging', { trigger_id: 'same' });
    expect(again.body.text).toMatch(/nothing new was queued/);
    expect(await h.drain()).toHaveLength(1);
  });

  it('acknowledges ssl_check with 200 and does nothing', async () => {
    h = await httpHarness();
    const res = await h.app.request('/slack/commands', {
      method: 'POST',
      body: 'ssl_check=1&token=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(await h.drain()).toEqual([]);
  });

  it('refuses a response_url that is not Slack', async () => {
    h = await httpHarness();
    const res = await command('deploy hello to staging', { response_url: 'http://169.254.169.254/latest' });
    expect(res.status).toBe(400);
    expect(await h.drain()).toEqual([]);
  });

  it('says status and history are not available without a read side', async () => {
    h = await httpHarness();
    expect((await command('status')).body.text).toBe('status: not available yet');
    expect((await command('history hello staging')).body.text).toBe('history: not available yet');
  });

  it('answers status and history from state', async () => {
    h = await httpHarness({ override: ({ state }) => ({ readApi: stateReadApi(state) }) });
    const { state } = h.adapters;
    const deployment = {
      id: 'dep1',
      app: 'hello',
      env: 'staging',
      version: '1.0.0',
      status: 'succeeded',
      trigger: 'slack',
      requestedBy: '@alice',
      createdAt: '2029-12-31T22:00:00.000Z',
    } as Deployment;
    await state.put(keys.deployment('hello', 'staging', 'dep1'), deployment);
    await state.put(keys.current('hello', 'staging'), {
      releaseId: '1.0.0-abc',
      version: '1.0.0',
      deploymentId: 'dep1',
      at: '2029-12-31T22:00:00.000Z',
    });
    await state.put(keys.lock('hello', 'production'), {
      app: 'hello',
      env: 'production',
      by: '@bob',
      reason: 'freeze',
      since: '2029-12-31T23:00:00.000Z',
    });
    const status = (await command('status hello')).body.text;
    expect(status).toContain('• hello/staging: 1.0.0 (2 h ago)');
    expect(status).toContain('• hello/production: nothing deployed — locked by @bob: "freeze"');
    const history = (await command('history hello staging')).body.text;
    expect(history).toContain('• 1.0.0 succeeded — slack by @alice, 2 h ago');
  });

  it('answers releases from state: accepted with where each serves, rejected with the reason', async () => {
    h = await httpHarness({ override: ({ state }) => ({ readApi: stateReadApi(state) }) });
    const { state } = h.adapters;
    const release = (version: string, sha: string, extra: Partial<Release>): Release => ({
      app: 'hello',
      version,
      sha256: sha.repeat(64),
      size: 1000,
      id: `${version}-${sha.repeat(12)}`,
      artifactKey: `sha256/${sha.repeat(64)}`,
      uploadedBy: 'ci',
      createdAt: '2029-12-31T22:00:00.000Z',
      status: 'accepted',
      ...extra,
    });
    await recordRelease(state, release('1.0.0', 'a', { gitSha: '1234567890' }));
    await recordRelease(
      state,
      release('6.6.6', 'b', {
        status: 'rejected',
        rejection: 'entry ../evil escapes the release',
        createdAt: '2029-12-31T23:00:00.000Z',
      }),
    );
    await state.put(keys.current('hello', 'staging'), {
      releaseId: '1.0.0-aaaaaaaaaaaa',
      version: '1.0.0',
      deploymentId: 'dep1',
      at: '2029-12-31T22:00:00.000Z',
    });
    const text = (await command('releases hello')).body.text;
    expect(text.split('\n')).toEqual([
      'hello: 1 accepted, 1 rejected',
      '• 6.6.6 REJECTED by ci 1 h ago: entry ../evil escapes the release',
      '• 1.0.0 aaaaaaaaaaaa — git 1234567, by ci 2 h ago — serving staging',
    ]);
    expect((await command('releases hello', { trigger_id: 't-2' })).status).toBe(200);
    expect(await h.drain()).toEqual([]);
  });

  it('formats status and history with Block Kit, text kept as the fallback', async () => {
    h = await httpHarness({ override: (deps) => ({ readApi: stateReadApi(deps.state) }) });
    await h.adapters.state.put(keys.lock('hello', 'production'), {
      app: 'hello',
      env: 'production',
      by: '@bob',
      reason: 'freeze',
      since: '2029-12-31T23:00:00.000Z',
    });
    const status = (await command('status hello')).body;
    expect(status.blocks?.map((b) => b.text?.text)).toEqual([
      '*hello/staging* — _nothing deployed_',
      '*hello/production* — _nothing deployed_\n:lock: locked by @bob 1 h ago: “freeze”',
    ]);
    const history = (await command('history hello staging')).body;
    expect(history.blocks?.[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'hello/staging — recent deployments' },
    });
    expect(history.blocks?.[1]?.text?.text).toBe('_no deployments yet_');
  });
});
