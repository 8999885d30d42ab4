import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../../../functions/adapters/local/sqlite-state';
import { ConcurrentChangeError } from '../../../../functions/core/errors';
import { FakeClock } from '../../../support/fake-clock';

describe('SqliteStateStore', () => {
  let dir: string;
  let clock: FakeClock;
  const open = () => new SqliteStateStore(join(dir, 'state.db'), { clock });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tarmac-state-'));
    clock = new FakeClock();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps items and versions across a reopen', async () => {
    const first = open();
    await first.put({ pk: 'p', sk: 's' }, { a: 1 });
    await first.put({ pk: 'p', sk: 's' }, { a: 2 });
    first.close();
    const second = open();
    expect(await second.get({ pk: 'p', sk: 's' })).toEqual({ pk: 'p', sk: 's', value: { a: 2 }, version: 2 });
    second.close();
  });

  it('lets only one of two connections win a compare-and-set on the same version', async () => {
    const [a, b] = [open(), open()];
    await a.put({ pk: 'lock', sk: 'web' }, 'free');
    expect(await a.put({ pk: 'lock', sk: 'web' }, 'a', { expectedVersion: 1 })).toBe(2);
    await expect(b.put({ pk: 'lock', sk: 'web' }, 'b', { expectedVersion: 1 })).rejects.toBeInstanceOf(
      ConcurrentChangeError,
    );
    expect((await b.get({ pk: 'lock', sk: 'web' }))?.value).toBe('a');
    a.close();
    b.close();
  });

  it('purges expired items from the file, not only from reads', async () => {
    const store = open();
    await store.put({ pk: 'dedup', sk: 'x' }, 1, { ttlSec: 60 });
    await store.put({ pk: 'dedup', sk: 'y' }, 1, { ttlSec: 600 });
    await store.put({ pk: 'keep', sk: 'z' }, 1);
    clock.advance(61_000);
    expect(store.purgeExpired()).toBe(1);
    clock.advance(600_000);
    await store.put({ pk: 'keep', sk: 'z' }, 2); // a write after a minute purges lazily
    expect(store.purgeExpired()).toBe(0);
    expect(await store.query('keep')).toHaveLength(1);
    store.close();
  });

  it('restarts the version at 1 when an expired item is written again', async () => {
    const store = open();
    await store.put({ pk: 'p', sk: 's' }, 'a', { ttlSec: 1 });
    await store.put({ pk: 'p', sk: 's' }, 'b', { ttlSec: 1 });
    clock.advance(1_000);
    expect(await store.put({ pk: 'p', sk: 's' }, 'c')).toBe(1);
    store.close();
  });
});
