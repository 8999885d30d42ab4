import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalAdapters } from '../../functions/adapters/local';
import { allInstances } from '../../functions/core/config';
import type { TarmacConfig } from '../../functions/core/config/schema';
import { type Deployment, isFinished } from '../../functions/core/deployments';
import { hmacHex } from '../../functions/http/signatures';
import type { StateStore } from '../../functions/ports';
import { deploymentHistory } from '../../functions/state/deployments';
import { initInstanceSecrets } from '../../functions/state/secrets';
import { SECRETS } from './http-harness';

/** Every secret the intake and the instances need, as an operator would set them. */
export async function provisionSecrets(adapters: LocalAdapters, config: TarmacConfig): Promise<void> {
  for (const [name, value] of Object.entries(SECRETS)) await adapters.secrets.set('_global', name, value);
  for (const instance of allInstances(config)) {
    await initInstanceSecrets(adapters.secrets, instance.secretScope);
    await adapters.secrets.putIfMissing(instance.secretScope, 'database_password', randomBytes(18).toString('hex'));
  }
}

/** Where each branch points after the pushes sent so far (GitHub's `before` of the next push). */
const branchHeads = new Map<string, string>();
let lastPushedAt = 0;

/** A signed GitHub `push` delivery, as GitHub sends it: `before` chains to the previous push, `pushed_at` rises. */
export async function githubPush(
  url: string,
  push: { branch: string; sha: string; pusher: string },
): Promise<Response> {
  const before = branchHeads.get(push.branch) ?? '0'.repeat(40);
  branchHeads.set(push.branch, push.sha);
  lastPushedAt = Math.max(lastPushedAt + 1, Math.floor(Date.now() / 1000));
  const body = JSON.stringify({
    ref: `refs/heads/${push.branch}`,
    before,
    after: push.sha,
    created: false,
    deleted: false,
    forced: false,
    head_commit: { id: push.sha, message: 'change' },
    repository: { full_name: 'acme/hello', pushed_at: lastPushedAt },
    pusher: { name: push.pusher },
    sender: { login: push.pusher },
  });
  return fetch(`${url}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${hmacHex(SECRETS.github_webhook_secret, body)}`,
    },
    body,
  });
}

/** Wait until an environment has `count` deployments and the newest has ended; returns it. */
export async function settledDeployment(
  adapters: { readonly state: StateStore },
  env: string,
  count: number,
  timeoutMs = 120_000,
): Promise<Deployment> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const history = await deploymentHistory(adapters.state, 'hello', env, 50);
    const newest = history[0];
    if (history.length >= count && newest && isFinished(newest.status)) return newest;
    if (Date.now() > deadline) {
      throw new Error(
        `hello/${env}: ${history.length} deployment(s), newest ${newest?.status ?? 'none'} after ${timeoutMs} ms`,
      );
    }
    await sleep(250);
  }
}

/** `/health` of an instance on a host, as the machine sees it over the veth. */
export async function health(
  address: string,
  port: number,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://${address}:${port}/health`, { signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { text };
  }
  return { status: response.status, body };
}
