import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteQueue } from '../../functions/adapters/local/sqlite-queue';
import type { JobQueue } from '../../functions/ports';
import { FakeClock } from '../support/fake-clock';
import { job } from './queue.contract';

const child = new URL('../support/queue-child.ts', import.meta.url).pathname;

interface Delivery {
  readonly id: string;
  readonly group: string;
  readonly receiveCount: number;
  readonly pid: number;
}

interface Child {
  readonly process: ChildProcess;
  readonly deliveries: Delivery[];
  /** The `drain` mode's ready line. */
  readonly ready: Promise<void>;
  readonly firstDelivery: Promise<Delivery>;
  readonly exit: Promise<number | string>;
}

/** Run test/support/queue-child.ts with tsx and collect what it prints. */
function startChild(args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const deliveries: Delivery[] = [];
  let onReady: () => void = () => {};
  let onFirst: (d: Delivery) => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  const firstDelivery = new Promise<Delivery>((resolve) => {
    onFirst = resolve;
  });
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const parsed = JSON.parse(line) as Delivery | { ready: true };
    if ('ready' in parsed) return onReady();
    deliveries.push(parsed);
    if (deliveries.length === 1) onFirst(parsed);
  });
  const exit = new Promise<number | string>((resolve) =>
    proc.on('exit', (code, signal) => resolve(signal ?? code ?? -1)),
  );
  return { process: proc, deliveries, ready, firstDelivery, exit };
}

async function drainIds(queue: JobQueue): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const [message] = await queue.receive({ max: 10, visibilityTimeoutSec: 30 });
    if (!message) return ids;
    ids.push(message.id);
    await queue.ack(message.receipt);
  }
}

describe('SqliteQueue across real processes', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tarmac-queue-crash-'));
    file = join(dir, 'queue.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers a message again, exactly once and in order, after its worker is SIGKILLed mid-message', async () => {
    const clock = new FakeClock();
    const before = new SqliteQueue(file, { clock, synchronous: 'NORMAL' });
    const sent = [];
    for (const key of ['m1', 'm2', 'm3'])
      sent.push((await before.send({ group: 'fleet-web', dedupKey: key, body: job(key) })).id);
    before.close();

    const worker = startChild(['hold', file, String(clock.now().getTime()), '120']);
    const held = await worker.firstDelivery;
    expect(held).toMatchObject({ id: sent[0], receiveCount: 1 });
    worker.process.kill('SIGKILL');
    expect(await worker.exit).toBe('SIGKILL');

    const after = new SqliteQueue(file, { clock, synchronous: 'NORMAL' });
    try {
      clock.advance(119_000);
      expect(await after.receive({ max: 10, visibilityTimeoutSec: 30 })).toEqual([]); // m1 still hidden, m2 waits
      clock.advance(1_000);
      const [again, ...others] = await after.receive({ max: 10, visibilityTimeoutSec: 30 });
      expect(others).toEqual([]);
      expect(again).toMatchObject({ id: sent[0], receiveCount: 2 });
      await after.ack(again?.receipt ?? '');
      expect(await drainIds(after)).toEqual([sent[1], sent[2]]);
      clock.advance(3_600_000);
      expect(await drainIds(after)).toEqual([]);
      expect(await after.deadLetters()).toEqual([]);
    } finally {
      after.close();
    }
  });

  it('hands each message to exactly one of two processes draining the same file', async () => {
    const queue = new SqliteQueue(file, { synchronous: 'NORMAL' });
    const sent = new Set<string>();
    for (let i = 0; i < 120; i++) {
      sent.add((await queue.send({ group: `fleet-${i % 6}`, dedupKey: `k${i}`, body: job(`k${i}`) })).id);
    }
    const workers = [startChild(['drain', file]), startChild(['drain', file])];
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.process.stdin?.end('go\n');
    expect(await Promise.all(workers.map((w) => w.exit))).toEqual([0, 0]);
    expect(workers.map((w) => w.deliveries.length > 0)).toEqual([true, true]); // they did race
    const deliveries = workers.flatMap((w) => w.deliveries);
    expect(deliveries.map((d) => d.id).sort()).toEqual([...sent].sort());
    expect(deliveries.every((d) => d.receiveCount === 1)).toBe(true);
    expect(queue.depth()).toBe(0);
    queue.close();
  });
});
