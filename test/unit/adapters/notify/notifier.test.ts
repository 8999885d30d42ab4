import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../../../functions/adapters/local';
import { createNotifier } from '../../../../functions/adapters/notify';
import type { Deployment } from '../../../../functions/core/deployments';
import { silentLogger } from '../../../../functions/log';

/** A local HTTP server standing in for Slack's response_url and the GitHub API. */
let server: Server;
let base: string;
const received: { method: string; url: string; auth?: string; body: Record<string, unknown> }[] = [];
let nextGitHubId = 100;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        auth: req.headers.authorization,
        body: JSON.parse(raw || '{}'),
      });
      res.setHeader('content-type', 'application/json');
      res.end(req.url?.endsWith('/deployments') ? JSON.stringify({ id: nextGitHubId++ }) : '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received.length = 0;
});

const deployment = (status: Deployment['status']): Deployment => ({
  id: 'D1',
  app: 'hello',
  env: 'staging',
  fleet: 'web',
  releaseId: '1.0.0-abcdefabcdef',
  version: '1.0.0',
  sha256: 'ab'.repeat(32),
  gitSha: 'abc1234',
  status,
  trigger: 'slack',
  requestedBy: 'alice',
  correlationId: 'c1',
  createdAt: '2030-01-01T00:00:00.000Z',
  hosts: [{ host: 'h1', status: 'succeeded', events: [{ event: 'ValidateService', status: 'succeeded' }] }],
});

function notifierWithState() {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-notify-'));
  const state = new SqliteStateStore(join(dir, 'state.db'));
  const notifier = createNotifier({
    logger: silentLogger(),
    state,
    github: {
      token: 'gh-token',
      apiUrl: `${base}/github`,
      repoOf: (app) => (app === 'hello' ? 'acme/hello' : undefined),
    },
  });
  const close = () => {
    state.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { notifier, close };
}

describe('notifier', () => {
  it('posts ephemeral Block Kit messages to the Slack response_url, never more than 5, keeping the last for the outcome', async () => {
    const { notifier, close } = notifierWithState();
    const url = `${base}/slack/resp/1`;
    for (let i = 0; i < 6; i++) {
      await notifier.notify({ kind: 'info', text: `step ${i}`, correlationId: 'c1', slackResponseUrl: url });
    }
    await notifier.notify({
      kind: 'finished',
      text: 'done',
      deployment: deployment('succeeded'),
      correlationId: 'c1',
      slackResponseUrl: url,
    });
    const slack = received.filter((r) => r.url === '/slack/resp/1');
    expect(slack.map((r) => r.body.text)).toEqual(['step 0', 'step 1', 'step 2', 'step 3', 'done']);
    expect(slack.at(-1)?.body).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(slack.at(-1)?.body.blocks)).toContain('*h1* ValidateService :white_check_mark:');
    close();
  });

  it('mirrors a deployment as GitHub statuses queued → in_progress → success on one GitHub deployment', async () => {
    const { notifier, close } = notifierWithState();
    await notifier.notify({ kind: 'queued', text: 'queued', deployment: deployment('pending'), correlationId: 'c1' });
    await notifier.notify({
      kind: 'started',
      text: 'started',
      deployment: deployment('in_progress'),
      correlationId: 'c1',
    });
    await notifier.notify({ kind: 'finished', text: 'ok', deployment: deployment('succeeded'), correlationId: 'c1' });
    const created = received.filter((r) => r.url === '/github/repos/acme/hello/deployments');
    expect(created).toHaveLength(1);
    expect(created[0]?.body).toMatchObject({
      ref: 'abc1234',
      environment: 'staging',
      auto_merge: false,
      required_contexts: [],
    });
    expect(created[0]?.auth).toBe('Bearer gh-token');
    const id = nextGitHubId - 1;
    const statuses = received.filter((r) => r.url === `/github/repos/acme/hello/deployments/${id}/statuses`);
    expect(statuses.map((r) => r.body.state)).toEqual(['queued', 'in_progress', 'success']);
    close();
  });

  it('reports a failed deployment as a GitHub failure status', async () => {
    const { notifier, close } = notifierWithState();
    await notifier.notify({
      kind: 'finished',
      text: 'failed',
      deployment: { ...deployment('failed'), id: 'D2' },
      correlationId: 'c2',
    });
    expect(received.filter((r) => r.url.endsWith('/statuses')).map((r) => r.body.state)).toEqual(['failure']);
    close();
  });
});
