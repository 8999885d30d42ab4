/**
 * A worker process on a local queue file, for tests that need a real second process.
 *
 *   hold <db> <nowMs> <visibilitySec>  receive one message at the fixed time, print it, then hang until killed
 *   drain <db>                         print `{"ready":true}`, wait for a line on stdin, then receive and ack
 *                                      until the queue is empty, printing every message
 *
 * Both use `synchronous=NORMAL`, the weaker setting local mode runs with, so what survives here survives there.
 * Each delivery is printed as one JSON line `{ id, group, receiveCount, pid }`.
 */
import { SqliteQueue } from '../../functions/adapters/local/sqlite-queue';
import type { ReceivedMessage } from '../../functions/ports';

const [mode, file, nowMs, visibilitySec] = process.argv.slice(2);

function print(message: ReceivedMessage): void {
  const { id, group, receiveCount } = message;
  process.stdout.write(`${JSON.stringify({ id, group, receiveCount, pid: process.pid })}\n`);
}

async function hold(): Promise<void> {
  const clock = { now: () => new Date(Number(nowMs)) };
  const queue = new SqliteQueue(String(file), { clock, synchronous: 'NORMAL' });
  const [message] = await queue.receive({ max: 1, visibilityTimeoutSec: Number(visibilitySec) });
  if (!message) throw new Error('hold: the queue gave no message');
  print(message);
  setInterval(() => {}, 60_000); // "working on it" until SIGKILL
}

async function drain(): Promise<void> {
  const queue = new SqliteQueue(String(file), { synchronous: 'NORMAL' });
  // Start together: say ready, wait for the parent's go on stdin, so both processes really race.
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.destroy();
  while (queue.depth() > 0) {
    const batch = await queue.receive({ max: 3, visibilityTimeoutSec: 300 });
    for (const message of batch) {
      print(message);
      await new Promise((resolve) => setTimeout(resolve, 1)); // "work": lets the other process take a turn
      await queue.ack(message.receipt);
    }
    // Everything visible is in flight in the other process: give it the lock for a moment.
    if (batch.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  queue.close();
}

if (mode === 'hold') await hold();
else if (mode === 'drain') await drain();
else throw new Error(`unknown mode "${mode}" — use hold or drain`);
