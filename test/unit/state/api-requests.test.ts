import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../../functions/adapters/local/sqlite-state';
import { runOnce } from '../../../functions/state/api-requests';
import { keys } from '../../../functions/state/keys';

let dir: string;
let state: SqliteStateStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tarmac-once-'));
  state = new SqliteStateStore(join(dir, 'state.db'));
});
afterEach(() => {
  state.close();
  rmSync(dir, { recursive: true, force: true });
});
const now = () => new Date('2030-01-01T00:00:00.000Z');

describe('runOnce (an API request answered at once, run once per key)', () => {
  it('runs the first request, answers a repeat with the stored answer, and a concurrent one with running', async () => {
    let runs = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = runOnce(state, 'k1', now, async () => {
      runs++;
      await gate;
      return { exit: 3 };
    });
    // Until the first one has recorded itself as running (no timing assumption).
    while (!(await state.get(keys.apiRequest('k1')))) await new Promise((resolve) => setImmediate(resolve));
    expect(await runOnce(state, 'k1', now, async () => ({ exit: 9 }))).toEqual({
      kind: 'running',
      since: '2030-01-01T00:00:00.000Z',
    });
    release();
    expect(await first).toEqual({ kind: 'fresh', answer: { exit: 3 } });
    expect(await runOnce(state, 'k1', now, async () => ({ exit: 9 }))).toEqual({ kind: 'repeat', answer: { exit: 3 } });
    expect(runs).toBe(1);
  });

  it('frees the key when the run throws (not an answer), so a retry runs', async () => {
    await expect(runOnce(state, 'k2', now, async () => Promise.reject(new Error('store down')))).rejects.toThrow(
      'store down',
    );
    expect(await runOnce(state, 'k2', now, async () => 'ok')).toEqual({ kind: 'fresh', answer: 'ok' });
  });
});
