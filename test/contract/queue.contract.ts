import { describe, expect, it } from 'vitest';
import type { Job } from '../../functions/core/jobs';
import type { JobQueue, OutgoingMessage } from '../../functions/ports';
import type { FakeClock } from '../support/fake-clock';

export interface QueueUnderTest {
  readonly queue: JobQueue;
  /** The clock the queue was built with; the suite moves it instead of sleeping. Absent: a real clock. */
  readonly clock?: FakeClock;
  teardown(): Promise<void>;
}

/** A documented behaviour an implementation does not have: the assertion is skipped there, with the words. */
export type Departure = 'duplicate-send-id' | 'dedup-after-delete';

export interface QueueContractOptions {
  /** The `maxReceives` the adapter was built with. @default 5 */
  readonly maxReceives?: number;
  /**
   * Assertions to skip, each mapped to why (the emulator's departure from the service's documented
   * behaviour). Only that assertion is skipped; the rest of its test runs.
   */
  readonly departures?: Partial<Record<Departure, string>>;
}

/** Move a fake clock, or wait on a real one (emulators cannot be moved); a margin covers the server's rounding. */
async function pass(q: QueueUnderTest, sec: number): Promise<void> {
  if (q.clock) q.clock.advance(sec * 1000);
  else await new Promise((resolve) => setTimeout(resolve, sec * 1000 + 400));
}

/** A job body whose idempotency key tells messages apart in assertions. */
export function job(key: string): Job {
  return {
    v: 1,
    type: 'lock',
    idempotencyKey: key,
    correlationId: `c-${key}`,
    app: 'hello',
    env: 'staging',
    reason: 'test',
    by: 'contract',
  };
}

function message(group: string, key: string): OutgoingMessage {
  return { group, dedupKey: key, body: job(key) };
}

const keyOf = (body: unknown) => (body as Job).idempotencyKey;

/**
 * The behaviour every {@link JobQueue} adapter must have (SQS FIFO semantics). `setup` builds a fresh, empty
 * queue per test, with the given clock.
 */
export function queueContract(name: string, setup: () => Promise<QueueUnderTest>, options: QueueContractOptions = {}) {
  const maxReceives = options.maxReceives ?? 5;
  const departs = (what: Departure) => options.departures?.[what] !== undefined;

  async function withQueue(test: (q: QueueUnderTest) => Promise<void>): Promise<void> {
    const q = await setup();
    try {
      await test(q);
    } finally {
      await q.teardown();
    }
  }

  async function receiveKeys(queue: JobQueue, max = 10, visibilityTimeoutSec = 30): Promise<string[]> {
    return (await queue.receive({ max, visibilityTimeoutSec })).map((m) => keyOf(m.body));
  }

  /** Receive, ack, repeat until the queue gives nothing: the keys in delivery order. */
  async function drain(queue: JobQueue): Promise<string[]> {
    const seen: string[] = [];
    for (let round = 0; round < 100; round++) {
      const batch = await queue.receive({ max: 10, visibilityTimeoutSec: 30 });
      if (batch.length === 0) return seen;
      for (const m of batch) {
        seen.push(keyOf(m.body));
        await queue.ack(m.receipt);
      }
    }
    throw new Error('queue did not drain in 100 rounds');
  }

  describe(`JobQueue contract: ${name}`, () => {
    it('delivers the messages of one group in send order, with id, group, dedupKey and body', () =>
      withQueue(async ({ queue }) => {
        const sent = [];
        for (const key of ['a1', 'a2', 'a3']) sent.push(await queue.send(message('fleet-a', key)));
        const [first] = await queue.receive({ max: 10, visibilityTimeoutSec: 30 });
        expect(first).toMatchObject({
          id: sent[0]?.id,
          group: 'fleet-a',
          dedupKey: 'a1',
          body: job('a1'),
          receiveCount: 1,
        });
        await queue.ack(first?.receipt ?? '');
        expect(await drain(queue)).toEqual(['a2', 'a3']);
      }));

    it('keeps at most one message of a group in flight until it is acknowledged', () =>
      withQueue(async ({ queue }) => {
        await queue.send(message('fleet-a', 'a1'));
        await queue.send(message('fleet-a', 'a2'));
        const [first] = await queue.receive({ max: 10, visibilityTimeoutSec: 30 });
        expect(keyOf(first?.body)).toBe('a1');
        expect(await receiveKeys(queue)).toEqual([]);
        await queue.ack(first?.receipt ?? '');
        expect(await receiveKeys(queue)).toEqual(['a2']);
      }));

    it('delivers different groups in parallel, one head each', () =>
      withQueue(async ({ queue }) => {
        for (const key of ['a1', 'a2']) await queue.send(message('fleet-a', key));
        for (const key of ['b1', 'b2']) await queue.send(message('fleet-b', key));
        await queue.send(message('fleet-c', 'c1'));
        const heads = await queue.receive({ max: 10, visibilityTimeoutSec: 30 });
        expect(heads.map((m) => keyOf(m.body)).sort()).toEqual(['a1', 'b1', 'c1']);
        expect(await receiveKeys(queue)).toEqual([]);
        // fleet-b moves on as soon as its head is acked, while fleet-a's head is still in flight.
        await queue.ack(heads.find((m) => m.group === 'fleet-b')?.receipt ?? '');
        expect(await receiveKeys(queue)).toEqual(['b2']);
      }));

    it('returns at most max messages and leaves the rest for the next receive', () =>
      withQueue(async ({ queue }) => {
        for (const group of ['g1', 'g2', 'g3']) await queue.send(message(group, `${group}-m`));
        expect(await receiveKeys(queue, 2)).toHaveLength(2);
        expect(await receiveKeys(queue, 2)).toHaveLength(1);
        expect(await receiveKeys(queue, 2)).toEqual([]);
      }));

    it('fails when max is outside 1 to 10', () =>
      withQueue(async ({ queue }) => {
        await expect(queue.receive({ max: 0, visibilityTimeoutSec: 30 })).rejects.toThrow(/max/);
        await expect(queue.receive({ max: 11, visibilityTimeoutSec: 30 })).rejects.toThrow(/max/);
      }));

    it('delivers a message again once its visibility timeout passes, counting receives', () =>
      withQueue(async (q) => {
        const { queue } = q;
        // On a real clock: a 2 s timeout, checked right away and after it passed (no boundary to the second).
        const timeout = q.clock ? 60 : 2;
        await queue.send(message('fleet-a', 'a1'));
        await queue.send(message('fleet-a', 'a2'));
        const [first] = await queue.receive({ max: 1, visibilityTimeoutSec: timeout });
        if (q.clock) q.clock.advance(59_000);
        expect(await receiveKeys(queue)).toEqual([]);
        await pass(q, q.clock ? 1 : timeout);
        const [again] = await queue.receive({ max: 10, visibilityTimeoutSec: 60 });
        expect(again).toMatchObject({ id: first?.id, receiveCount: 2 });
        expect(again?.receipt).not.toBe(first?.receipt);
      }));

    it('removes an acknowledged message for good', () =>
      withQueue(async (q) => {
        const { queue } = q;
        await queue.send(message('fleet-a', 'a1'));
        const [first] = await queue.receive({ max: 1, visibilityTimeoutSec: 1 });
        await queue.ack(first?.receipt ?? '');
        await pass(q, q.clock ? 3600 : 1); // well past the 1 s visibility timeout
        expect(await receiveKeys(queue)).toEqual([]);
        expect(await queue.deadLetters()).toEqual([]);
      }));

    it('makes a failed message visible again at once, or after retryAfterSec', () =>
      withQueue(async (q) => {
        const { queue } = q;
        const retryAfterSec = q.clock ? 20 : 2;
        await queue.send(message('fleet-a', 'a1'));
        await queue.send(message('fleet-a', 'a2'));
        const [first] = await queue.receive({ max: 1, visibilityTimeoutSec: 300 });
        await queue.fail(first?.receipt ?? '', 'host unreachable');
        const [second] = await queue.receive({ max: 10, visibilityTimeoutSec: 300 });
        expect(second).toMatchObject({ id: first?.id, receiveCount: 2 });
        await queue.fail(second?.receipt ?? '', 'host unreachable', { retryAfterSec });
        if (q.clock) q.clock.advance(19_000);
        expect(await receiveKeys(queue)).toEqual([]); // the group waits: a2 does not overtake a1
        await pass(q, q.clock ? 1 : retryAfterSec);
        expect(await receiveKeys(queue)).toEqual(['a1']);
      }));

    it(`dead-letters a message after ${maxReceives} receives with its last error; the group goes on in order`, () =>
      withQueue(async ({ queue }) => {
        for (const key of ['a1', 'a2', 'a3']) await queue.send(message('fleet-a', key));
        await queue.send(message('fleet-b', 'b1'));
        let id = '';
        const others: string[] = [];
        for (let attempt = 1; attempt <= maxReceives; attempt++) {
          const batch = await queue.receive({ max: 10, visibilityTimeoutSec: 30 });
          for (const m of batch.filter((m) => m.group !== 'fleet-a')) {
            others.push(keyOf(m.body));
            await queue.ack(m.receipt);
          }
          const head = batch.find((m) => m.group === 'fleet-a');
          expect(head).toMatchObject({ dedupKey: 'a1', receiveCount: attempt });
          id = head?.id ?? '';
          await queue.fail(head?.receipt ?? '', `boom ${attempt}`);
        }
        expect(others).toEqual(['b1']); // another group is never held up by a failing one
        // The followers were never received with their failing head: their first delivery counts 1.
        const [follower] = await queue.receive({ max: 10, visibilityTimeoutSec: 30 });
        expect(follower).toMatchObject({ dedupKey: 'a2', receiveCount: 1 });
        await queue.ack(follower?.receipt ?? '');
        expect(await drain(queue)).toEqual(['a3']);
        const [dead, ...more] = await queue.deadLetters();
        expect(more).toEqual([]);
        expect(dead).toMatchObject({ id, group: 'fleet-a', body: job('a1'), receiveCount: maxReceives });
        expect(dead?.error).toContain(`boom ${maxReceives}`);
        expect(Number.isNaN(Date.parse(dead?.failedAt ?? ''))).toBe(false);
        // Reading the dead letters again changes nothing (on SQS, reading the DLQ is itself a receive).
        expect(await queue.deadLetters()).toEqual([dead]);
      }));

    it('dead-letters a message that keeps timing out, without losing the rest of its group', () =>
      withQueue(async (q) => {
        const { queue } = q;
        const timeout = q.clock ? 10 : 1;
        for (const key of ['a1', 'a2']) await queue.send(message('fleet-a', key));
        for (let attempt = 1; attempt <= maxReceives; attempt++) {
          expect(await receiveKeys(queue, 10, timeout)).toEqual(['a1']);
          await pass(q, timeout);
        }
        expect(await drain(queue)).toEqual(['a2']);
        expect((await queue.deadLetters()).map((d) => keyOf(d.body))).toEqual(['a1']);
      }));

    it('drops a second send with the same dedupKey within 5 minutes, returning the first id', () =>
      withQueue(async ({ queue, clock }) => {
        const first = await queue.send(message('fleet-a', 'same'));
        clock?.advance(4 * 60_000 + 59_000);
        const second = await queue.send({ group: 'fleet-a', dedupKey: 'same', body: job('other') });
        if (!departs('duplicate-send-id')) expect(second.id).toBe(first.id);
        expect(await drain(queue)).toEqual(['same']);
      }));

    it('dedups even after the first message was acknowledged, but not after 5 minutes', () =>
      withQueue(async ({ queue, clock }) => {
        const first = await queue.send(message('fleet-a', 'same'));
        expect(await drain(queue)).toEqual(['same']);
        const again = await queue.send(message('fleet-a', 'same'));
        if (!departs('duplicate-send-id')) expect(again.id).toBe(first.id);
        if (!departs('dedup-after-delete')) expect(await drain(queue)).toEqual([]);
        if (!clock) return; // five minutes of a real clock are not waited for
        clock.advance(5 * 60_000 + 1_000);
        const later = await queue.send(message('fleet-a', 'same'));
        expect(later.id).not.toBe(first.id);
        expect(await drain(queue)).toEqual(['same']);
      }));
  });
}
