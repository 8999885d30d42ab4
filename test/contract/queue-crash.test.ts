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

function startChild(args: string[]): {
  process: ChildProcess;
  lines: Delivery[];
  firstLine: Promise<Delivery>;
  exit: Promise<number | string>;
} {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Delivery[] = [];
  let resolveFirst: (d: Delivery) => void = () => {};
  const firstLine = new Promise<Delivery>((resolve) => {
    resolveFirst = resolve;
  });
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const delivery = JSON.parse(line) as Delivery;
    lines.push(delivery);
    if (lines.length === 1) resolveFirst(delivery);
  });
  const exit = new Promise<number | string>((resolve) =>
    proc.on('exit', (code, signal) => resolve(signal ?? code ?? -1)),
  );
  return { process: proc, lines, firstLine, exit };
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
    const held = await worker.firstLine;
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
    expect(await Promise.all(workers.map((w) => w.exit))).toEqual([0, 0]);
    const deliveries = workers.flatMap((w) => w.lines);
    expect(deliveries.map((d) => d.id).sort()).toEqual([...sent].sort());
    expect(deliveries.every((d) => d.receiveCount === 1)).toBe(true);
    expect(queue.depth()).toBe(0);
    queue.close();
  });
});
