import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalAdapters } from '../../../../functions/adapters/local';
import { Checkpointer } from '../../../../functions/adapters/local/checkpointer';
import { job } from '../../../contract/queue.contract';

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('background WAL checkpoints', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tarmac-ckpt-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const sizes = () => ['queue.db', 'state.db'].map((name) => statSync(join(dir, name)).size);

  async function write(adapters: ReturnType<typeof openLocalAdapters>): Promise<void> {
    for (let i = 0; i < 20; i++) {
      await adapters.queue.send({ group: 'g', dedupKey: `k${i}`, body: job(`k${i}`) });
      await adapters.state.put({ pk: 'p', sk: `s${i}` }, { i });
    }
  }

  it('copies committed writes into the database files from its own thread', async () => {
    const adapters = openLocalAdapters(dir, { backgroundCheckpoints: true });
    const before = sizes();
    await write(adapters);
    // Far below the 1000 pages of an inline checkpoint: only the thread moves them into the files.
    await until('both files checkpointed', () => sizes().every((bytes, i) => bytes > (before[i] as number)));
    expect(await adapters.queue.depth()).toBe(20);
    expect((await adapters.state.get({ pk: 'p', sk: 's19' }))?.value).toEqual({ i: 19 });
    adapters.close();
  });

  it('leaves a short-lived process with inline checkpoints (the same writes stay in the log)', async () => {
    const adapters = openLocalAdapters(dir);
    const before = sizes();
    await write(adapters);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sizes()).toEqual(before);
    adapters.close();
  });

  it('reports a thread that cannot work (so the caller turns inline checkpoints back on)', async () => {
    const reason = await new Promise<string>((resolve) => {
      new Checkpointer({ files: [join(dir, 'missing.db')], intervalMs: 10, onStopped: resolve });
    });
    expect(reason).toMatch(/^checkpointer failed: .*(unable to open|directory does not exist|missing)/i);
  });
});
