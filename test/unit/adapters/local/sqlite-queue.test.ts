import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteQueue } from '../../../../functions/adapters/local/sqlite-queue';
import type { Job } from '../../../../functions/core/jobs';
import { job } from '../../../contract/queue.contract';
import { FakeClock } from '../../../support/fake-clock';

describe('SqliteQueue', () => {
  let dir: string;
  let file: string;
  let clock: FakeClock;
  let queue: SqliteQueue;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tarmac-queue-'));
    file = join(dir, 'queue.db');
    clock = new FakeClock();
    queue = new SqliteQueue(file, { clock });
  });
  afterEach(() => {
    queue.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('releases the deliveries of a worker that died, so its group goes on without waiting out the timeout', async () => {
    await queue.send({ group: 'g', dedupKey: 'a', body: job('a') });
    await queue.send({ group: 'g', dedupKey: 'b', body: job('b') });
    const [taken] = await queue.receive({ max: 1, visibilityTimeoutSec: 300 });
    expect(queue.releaseInFlight()).toBe(1);
    const [again] = await queue.receive({ max: 1, visibilityTimeoutSec: 300 });
    expect(again).toMatchObject({ id: taken?.id, receiveCount: 2 });
    await queue.ack(taken?.receipt ?? ''); // the dead worker's receipt no longer works
    expect(queue.depth()).toBe(2);
    expect(queue.releaseInFlight()).toBe(1);
  });

  it('keeps messages, in flight state and dead letters across a reopen', async () => {
    await queue.send({ group: 'g', dedupKey: 'a', body: job('a') });
    await queue.send({ group: 'g', dedupKey: 'b', body: job('b') });
    await queue.receive({ max: 1, visibilityTimeoutSec: 60 });
    queue.close();
    queue = new SqliteQueue(file, { clock });
    expect(queue.depth()).toBe(2);
    expect(await queue.receive({ max: 10, visibilityTimeoutSec: 60 })).toEqual([]);
    clock.advance(60_000);
    expect(await queue.receive({ max: 10, visibilityTimeoutSec: 60 })).toMatchObject([
      { dedupKey: 'a', receiveCount: 2 },
    ]);
    expect((await queue.send({ group: 'g', dedupKey: 'a', body: job('a') })).id).toBeTruthy();
    expect(queue.depth()).toBe(2); // the dedup record survived the reopen too
  });

  it('ignores an ack or fail with the receipt of an earlier delivery', async () => {
    await queue.send({ group: 'g', dedupKey: 'a', body: job('a') });
    const [first] = await queue.receive({ max: 1, visibilityTimeoutSec: 10 });
    clock.advance(10_000);
    const [second] = await queue.receive({ max: 1, visibilityTimeoutSec: 10 });
    await queue.ack(first?.receipt ?? '');
    await queue.fail(first?.receipt ?? '', 'stale');
    expect(queue.depth()).toBe(1);
    expect(await queue.receive({ max: 1, visibilityTimeoutSec: 10 })).toEqual([]); // still in flight for `second`
    await queue.ack(second?.receipt ?? '');
    expect(queue.depth()).toBe(0);
  });

  it('ignores receipts it never issued', async () => {
    await queue.send({ group: 'g', dedupKey: 'a', body: job('a') });
    const [message] = await queue.receive({ max: 1, visibilityTimeoutSec: 10 });
    for (const bogus of ['', 'nonsense', '1.', `${message?.receipt}x`, '999.abc']) await queue.ack(bogus);
    expect(queue.depth()).toBe(1);
  });

  it('fails on a body over 256 KiB, naming its size', async () => {
    const big = { ...job('big'), reason: 'x'.repeat(300 * 1024) } as Job;
    await expect(queue.send({ group: 'g', dedupKey: 'big', body: big })).rejects.toThrow(/body of \d+ bytes.*256 KiB/);
    expect(queue.depth()).toBe(0);
  });

  it('fails on a group SQS would refuse, and on an empty dedup key', async () => {
    for (const group of ['', 'has space', 'g'.repeat(129), 'flotte-é']) {
      await expect(queue.send({ group, dedupKey: 'a', body: job('a') }), group).rejects.toThrow(`group "${group}"`);
    }
    await expect(queue.send({ group: 'g', dedupKey: '', body: job('a') })).rejects.toThrow(/dedupKey/);
    expect(queue.depth()).toBe(0);
  });

  it('fails on a visibility timeout or retry delay outside 0 to 12 hours', async () => {
    await expect(queue.receive({ max: 1, visibilityTimeoutSec: -1 })).rejects.toThrow(/given -1/);
    await expect(queue.receive({ max: 1, visibilityTimeoutSec: 43_201 })).rejects.toThrow(/given 43201/);
    await expect(queue.fail('1.x', 'e', { retryAfterSec: Number.NaN })).rejects.toThrow(/retryAfterSec/);
  });

  it('fails on a maxReceives below 1', () => {
    expect(() => new SqliteQueue(join(dir, 'other.db'), { maxReceives: 0 })).toThrow(/given 0/);
  });

  it('dead-letters after the configured number of receives', async () => {
    const strict = new SqliteQueue(join(dir, 'strict.db'), { clock, maxReceives: 2 });
    await strict.send({ group: 'g', dedupKey: 'a', body: job('a') });
    for (let i = 0; i < 2; i++) {
      const [m] = await strict.receive({ max: 1, visibilityTimeoutSec: 10 });
      await strict.fail(m?.receipt ?? '', `attempt ${i + 1}`);
    }
    expect(await strict.deadLetters()).toMatchObject([{ error: 'attempt 2', receiveCount: 2 }]);
    strict.close();
  });
});
