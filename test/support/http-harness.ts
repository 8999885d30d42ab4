import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalAdapters, openLocalAdapters } from '../../functions/adapters/local';
import { parseConfig } from '../../functions/core/config';
import { createApp } from '../../functions/http/app';
import type { AppDeps } from '../../functions/http/deps';
import { hmacHex } from '../../functions/http/signatures';
import { silentLogger } from '../../functions/log';
import type { JobQueue } from '../../functions/ports';
import { FakeClock } from './fake-clock';

export const EXAMPLE_CONFIG = readFileSync(new URL('../../examples/tarmac.yml', import.meta.url), 'utf8');

/** The intake secrets the harness stores (test values, not real ones). */
export const SECRETS = {
  github_webhook_secret: "It's a Secret to Everybody",
  slack_signing_secret: '8f742231b10e8888abcd99yyyzzz85a5',
  build_webhook_secret: 'ci-build-secret-for-tests',
} as const;

export interface HttpHarness {
  readonly app: ReturnType<typeof createApp>;
  readonly adapters: LocalAdapters;
  readonly clock: FakeClock;
  /** Files under the artifact store's directory (temporary files included). */
  storedFiles(): string[];
  /** Unix seconds of the fake clock. */
  nowSec(): number;
  /** Every queued message body, in send order per group (drains the queue). */
  drain(): Promise<unknown[]>;
  close(): void;
}

/**
 * The real app over real local adapters in a temp dir, a fake clock, and the intake secrets set. `override`
 * swaps deps (e.g. a failing queue) or skips storing some secrets.
 */
export async function httpHarness(
  options: {
    config?: string;
    secrets?: Partial<Record<keyof typeof SECRETS, string>>;
    override?: (deps: AppDeps) => Partial<AppDeps>;
  } = {},
): Promise<HttpHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-http-'));
  const clock = new FakeClock('2030-01-01T00:00:00.000Z');
  const adapters = openLocalAdapters(dir, { clock });
  for (const [name, value] of Object.entries(options.secrets ?? SECRETS)) {
    await adapters.secrets.set('_global', name, value);
  }
  const base: AppDeps = {
    config: parseConfig(options.config ?? EXAMPLE_CONFIG),
    ...adapters,
    logger: silentLogger(),
    limits: { maxArtifactBytes: 1024 * 1024 },
  };
  const app = createApp({ ...base, ...options.override?.(base) });
  return {
    app,
    adapters,
    clock,
    storedFiles: () =>
      readdirSync(join(dir, 'artifacts'), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => entry.name),
    nowSec: () => Math.floor(clock.now().getTime() / 1000),
    drain: () => drain(adapters.queue),
    close() {
      adapters.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Receive and ack everything (one message per group per round, as FIFO delivers). */
export async function drain(queue: JobQueue): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (;;) {
    const batch = await queue.receive({ max: 10, visibilityTimeoutSec: 30 });
    if (batch.length === 0) return bodies;
    for (const message of batch) {
      bodies.push(message.body);
      await queue.ack(message.receipt);
    }
  }
}

/** Headers of a GitHub delivery signed with `secret`. */
export function githubHeaders(
  body: string,
  event: string,
  delivery: string,
  secret: string = SECRETS.github_webhook_secret,
) {
  return {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-hub-signature-256': `sha256=${hmacHex(secret, body)}`,
  };
}

/** Headers of a Slack slash command signed at `timestamp`. */
export function slackHeaders(body: string, timestamp: number, secret: string = SECRETS.slack_signing_secret) {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': `v0=${hmacHex(secret, `v0:${timestamp}:`, body)}`,
  };
}

/** A JSON answer, for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: tests assert on the shape with toMatchObject / toEqual.
export type Json = Record<string, any>;

/** A push event as GitHub sends it (the fields tarmac reads, plus a few it ignores). */
export function pushEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ref: 'refs/heads/main',
    before: 'a'.repeat(40),
    after: 'b'.repeat(40),
    created: false,
    deleted: false,
    forced: false,
    head_commit: { id: 'b'.repeat(40), message: 'Fix the thing' },
    repository: { full_name: 'acme/hello', private: true, pushed_at: 1764590400 },
    pusher: { name: 'octocat', email: 'octocat@example.com' },
    sender: { login: 'octocat' },
    ...overrides,
  };
}

/** A slash command form body. */
export function slackForm(text: string, overrides: Record<string, string> = {}): string {
  return new URLSearchParams({
    token: 'ignored',
    team_id: 'T1',
    channel_id: 'C0DEPLOYS',
    user_id: 'U024BE7LH',
    user_name: 'alice',
    command: '/tarmac',
    text,
    response_url: 'https://hooks.slack.com/commands/T1/1/abc',
    trigger_id: `trig.${Math.abs(hashCode(text + JSON.stringify(overrides)))}`,
    api_app_id: 'A1',
    ...overrides,
  }).toString();
}

function hashCode(text: string): number {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) | 0;
  return hash;
}
