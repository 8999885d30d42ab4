import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AwsAdapters } from '../../functions/adapters/aws';
import type { Deployment } from '../../functions/core/deployments';
import { signedJsonHeaders } from '../../functions/http/signing';
import { httpApiV2Event } from '../fixtures/events/http-api-v2';
import { githubHeaders, pushEvent, SECRETS, slackForm, slackHeaders } from './http-harness';
import { settledDeployment } from './pipeline';

type LambdaResult = { statusCode: number; body: string; isBase64Encoded?: boolean };
type WebhookHandler = (event: ReturnType<typeof httpApiV2Event>) => Promise<unknown>;

/** The intake as CI, GitHub and Slack reach it: Function URL events handed to the webhook Lambda's handler. */
export function intakeClient(handler: WebhookHandler) {
  const call = async (method: string, path: string, headers: Record<string, string>, body: string) => {
    const result = (await handler(httpApiV2Event(method, path, { headers, body }))) as LambdaResult;
    const text = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString() : result.body;
    return { status: result.statusCode, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };
  const now = () => Date.now() / 1000;
  let head = '0'.repeat(40);
  let pushedAt = 0;
  const signed = (path: string, value: unknown) => {
    const body = JSON.stringify(value);
    return call('POST', path, signedJsonHeaders(SECRETS.build_webhook_secret, body, now()), body);
  };
  return {
    /** CI: ask for a presigned URL, PUT the tarball to S3 (moto) with it; returns the upload's key. */
    async upload(app: string, version: string, tarball: string): Promise<string> {
      const answer = await signed(`/artifacts/${app}/${version}/upload-url`, { app, version });
      if (answer.status !== 201) throw new Error(`upload-url: ${answer.status} ${answer.text}`);
      const { key, url } = answer.json() as { key: string; url: string };
      const put = await fetch(url, { method: 'PUT', body: readFileSync(tarball) });
      if (!put.ok) throw new Error(`presigned PUT: ${put.status} ${await put.text()}`);
      return key;
    },
    /** CI's signed build event. */
    build: (event: { id: string; app: string; version: string; sha: string; branch: string; artifact: string }) =>
      signed('/webhooks/builds', event),
    /** GitHub's signed push delivery: `before` chains to the previous push, `pushed_at` rises. */
    push(sha: string, pusher = 'carol') {
      const before = head;
      head = sha;
      pushedAt = Math.max(pushedAt + 1, Math.floor(now()));
      const body = JSON.stringify(
        pushEvent({
          before,
          after: sha,
          head_commit: { id: sha, message: 'change' },
          repository: { full_name: 'acme/hello', pushed_at: pushedAt },
          pusher: { name: pusher },
          sender: { login: pusher },
        }),
      );
      return call('POST', '/webhooks/github', githubHeaders(body, 'push', randomUUID()), body);
    },
    /** Slack's signed slash command (its response_url on slack.com, which the test's fetch answers). */
    slack(text: string) {
      const body = slackForm(text, { response_url: `https://hooks.slack.com/commands/T1/${randomUUID()}` });
      return call('POST', '/slack/commands', slackHeaders(body, Math.floor(now())), body);
    },
  };
}

/**
 * The machine's fetch, except that Slack's response_url posts are recorded and answered here: nothing may
 * leave this machine. Install before the worker's handler is imported (its notifier keeps the fetch it saw).
 */
export function slackStandIn() {
  const posts: { url: string; body: Record<string, unknown> }[] = [];
  const real = globalThis.fetch;
  const fake: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (new URL(url).hostname.endsWith('slack.com')) {
      posts.push({ url, body: JSON.parse(String(init?.body ?? '{}')) });
      return new Response('ok', { status: 200 });
    }
    return real(input, init);
  };
  return { posts, fetch: fake };
}

/** Wait until an environment has `count` deployments and the newest has ended; returns it. */
export function settled(aws: AwsAdapters, env: string, count: number, timeoutMs = 150_000): Promise<Deployment> {
  return settledDeployment(aws, env, count, timeoutMs);
}
