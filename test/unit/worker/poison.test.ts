import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteQueue } from '../../../functions/adapters/local';
import { jobGroup } from '../../../functions/core/jobs';
import { silentLogger } from '../../../functions/log';
import { type LocalRunner, startLocalRunner } from '../../../functions/worker/local-runner';
import { workerHarness } from '../../support/worker-harness';

// The real SQLite queue and the real runner: a message that can never succeed must not block its group
// forever, nor be lost — after the receive limit it sits in the dead-letter table with its last error.
const MAX_RECEIVES = 3;
const GROUP = jobGroup(() => 'web', { app: 'hello' });

describe('local runner: poison messages', () => {
  let h: ReturnType<typeof workerHarness>;
  let queue: SqliteQueue;
  let runner: LocalRunner | undefined;

  beforeEach(() => {
    h = workerHarness();
    queue = new SqliteQueue(join(h.dir, 'poison-queue.db'), { maxReceives: MAX_RECEIVES });
  });
  afterEach(async () => {
    await runner?.stop();
    queue.close();
    h.close();
  });

  const send = (dedupKey: string, body: object) =>
    queue.send({ group: GROUP, dedupKey, body: body as Parameters<SqliteQueue['send']>[0]['body'] });
  const job = (type: string, fields: Record<string, unknown>) => h.job(type as never, fields);

  async function drained(): Promise<void> {
    // Polls the queue's own count (no timing threshold): the test's timeout is the only limit.
    while (queue.depth() > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  it('dead-letters an invalid body and an always-failing job after maxReceives; the rest of the group runs in order', async () => {
    await send('lock', job('lock', { env: 'staging', reason: 'poison test', by: 'alice' }));
    await send('garbage', { type: 'launch-missiles', v: 1 });
    await send('unlock', job('unlock', { env: 'staging', by: 'alice' }));
    const missing = job('ingest', { version: '9.9.9', artifactKey: 'uploads/hello/none', uploadedBy: 'ci' });
    await send('missing-artifact', missing);
    await send('lock-prod', job('lock', { env: 'production', reason: 'after the poison', by: 'bob' }));

    runner = startLocalRunner({ worker: h.worker, queue, logger: silentLogger(), idleMs: 1, retryAfterSec: 0 });
    await drained();

    expect(h.notifications.map((n) => n.text)).toEqual([
      'hello/staging locked by alice: "poison test"',
      'hello/staging unlocked by alice',
      'hello/production locked by bob: "after the poison"',
    ]);
    const dead = await queue.deadLetters();
    expect(dead.map((d) => [d.body, d.receiveCount])).toEqual([
      [{ type: 'launch-missiles', v: 1 }, MAX_RECEIVES],
      [missing, MAX_RECEIVES],
    ]);
    expect(dead[0]?.error).toMatch(/type/);
    expect(dead[1]?.error).toContain('uploads/hello/none');
    expect(dead.every((d) => d.group === GROUP)).toBe(true);
  });

  it('retries a job that fails a few times and then succeeds, without dead-lettering it', async () => {
    let failures = 0;
    const flaky = {
      handle: async (body: unknown) => {
        if (failures++ < MAX_RECEIVES - 1) throw new Error('transient: state store unavailable');
        return h.worker.handle(body);
      },
    };
    await send('lock', job('lock', { env: 'staging', reason: 'flaky', by: 'carol' }));
    runner = startLocalRunner({ worker: flaky, queue, logger: silentLogger(), idleMs: 1, retryAfterSec: 0 });
    await drained();
    expect(failures).toBe(MAX_RECEIVES);
    expect(h.notifications.map((n) => n.text)).toEqual(['hello/staging locked by carol: "flaky"']);
    expect(await queue.deadLetters()).toEqual([]);
  });
});
