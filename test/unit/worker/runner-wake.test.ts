import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteQueue } from '../../../functions/adapters/local';
import { jobGroup } from '../../../functions/core/jobs';
import { type LocalRunner, startLocalRunner } from '../../../functions/local/runner';
import { silentLogger } from '../../../functions/log';
import type { Worker } from '../../../functions/worker/worker';
import { workerHarness } from '../../support/worker-harness';

// The queue hands out one message of a group at a time; the next one of the group becomes receivable only
// when the first is acknowledged. The runner must poll again then, not sleep its idle time first.
describe('local runner: one group, several messages', () => {
  let h: ReturnType<typeof workerHarness>;
  let queue: SqliteQueue;
  let runner: LocalRunner | undefined;
  beforeEach(() => {
    h = workerHarness();
    queue = new SqliteQueue(join(h.dir, 'wake-queue.db'));
  });
  afterEach(async () => {
    await runner?.stop();
    queue.close();
    h.close();
  });

  it('takes the group’s next message as soon as the one before it is done', async () => {
    const group = jobGroup(() => 'web', { app: 'hello' });
    for (const n of [1, 2, 3]) await queue.send({ group, dedupKey: `k${n}`, body: { n } as never });
    const handled: number[] = [];
    let allDone: () => void = () => {};
    const done = new Promise<void>((resolve) => (allDone = resolve));
    const worker = {
      handle: async (body: unknown) => {
        handled.push((body as { n: number }).n);
        if (handled.length === 3) allDone();
      },
    } as unknown as Worker;
    // An idle sleep far beyond the test's timeout: only a wake-up can get the second and third messages.
    runner = startLocalRunner({ worker, queue, logger: silentLogger(), idleMs: 3_600_000 });
    await done;
    expect(handled).toEqual([1, 2, 3]);
  });
});
