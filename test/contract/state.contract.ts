import { describe, expect, it } from 'vitest';
import { ConcurrentChangeError } from '../../functions/core/errors';
import type { StateStore } from '../../functions/ports';
import { claimOnce } from '../../functions/state/dedup';
import { deploymentHistory } from '../../functions/state/deployments';
import { keys } from '../../functions/state/keys';
import { branchesAt, recordPush } from '../../functions/state/pushes';
import type { FakeClock } from '../support/fake-clock';

export interface StateUnderTest {
  readonly state: StateStore;
  /** The clock the store was built with; TTL cases move it instead of sleeping. */
  readonly clock: FakeClock;
  teardown(): Promise<void>;
}

const key = { pk: 'env#hello#staging', sk: 'lock' };

/** The behaviour every {@link StateStore} adapter must have. `setup` builds a fresh, empty store per test. */
export function stateContract(name: string, setup: () => Promise<StateUnderTest>) {
  async function withState(test: (s: StateUnderTest) => Promise<void>): Promise<void> {
    const s = await setup();
    try {
      await test(s);
    } finally {
      await s.teardown();
    }
  }

  describe(`StateStore contract: ${name}`, () => {
    it('lists an environment’s deployments newest first by time, not by id', () =>
      withState(async ({ state }) => {
        // Ids from two generators whose clocks differ: id order is not time order.
        const at = (id: string, createdAt: string) =>
          state.put(keys.deployment('hello', 'staging', id), { id, app: 'hello', env: 'staging', createdAt });
        await at('01J0000000000000000000000B', '2030-01-01T10:00:00.000Z');
        await at('01J0000000000000000000000A', '2030-01-01T11:00:00.000Z');
        await at('01J0000000000000000000000C', '2030-01-01T09:00:00.000Z');
        await at('01J0000000000000000000000D', '2030-01-01T11:00:00.000Z');
        const ids = async (limit: number) =>
          (await deploymentHistory(state, 'hello', 'staging', limit)).map((d) => d.id);
        expect(await ids(10)).toEqual([
          '01J0000000000000000000000D', // same time as A: the id breaks the tie
          '01J0000000000000000000000A',
          '01J0000000000000000000000B',
          '01J0000000000000000000000C',
        ]);
        expect(await ids(2)).toEqual(['01J0000000000000000000000D', '01J0000000000000000000000A']);
      }));

    it('returns undefined for a missing item', () =>
      withState(async ({ state }) => {
        expect(await state.get(key)).toBeUndefined();
      }));

    it('creates an item only when it does not exist, at version 1', () =>
      withState(async ({ state }) => {
        expect(await state.put(key, { by: 'ana' }, { expectedVersion: null })).toBe(1);
        await expect(state.put(key, { by: 'bob' }, { expectedVersion: null })).rejects.toBeInstanceOf(
          ConcurrentChangeError,
        );
        expect(await state.get(key)).toEqual({ ...key, value: { by: 'ana' }, version: 1 });
      }));

    it('compares and sets: writes when the version matches and bumps it', () =>
      withState(async ({ state }) => {
        await state.put(key, { n: 1 }, { expectedVersion: null });
        expect(await state.put(key, { n: 2 }, { expectedVersion: 1 })).toBe(2);
        expect(await state.get(key)).toEqual({ ...key, value: { n: 2 }, version: 2 });
      }));

    it('fails a compare-and-set on a stale or missing version, leaving the item unchanged', () =>
      withState(async ({ state }) => {
        await expect(state.put(key, { n: 1 }, { expectedVersion: 1 })).rejects.toBeInstanceOf(ConcurrentChangeError);
        await state.put(key, { n: 1 });
        await state.put(key, { n: 2 });
        const error = await state.put(key, { n: 3 }, { expectedVersion: 1 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConcurrentChangeError);
        expect((error as ConcurrentChangeError).data).toMatchObject({ key, expected: 1 });
        expect(await state.get(key)).toMatchObject({ value: { n: 2 }, version: 2 });
      }));

    it('puts unconditionally, creating at version 1 and bumping after', () =>
      withState(async ({ state }) => {
        expect(await state.put(key, 'one')).toBe(1);
        expect(await state.put(key, 'two')).toBe(2);
        expect(await state.get<string>(key)).toMatchObject({ value: 'two', version: 2 });
      }));

    it('keeps JSON values intact: nested objects, arrays, numbers, null, unicode', () =>
      withState(async ({ state }) => {
        const value = { list: [1, 2.5, null, 'ü→✓'], nested: { ok: true, empty: {} } };
        await state.put(key, value);
        expect((await state.get(key))?.value).toEqual(value);
      }));

    it('deletes unconditionally, and deleting a missing item is not an error', () =>
      withState(async ({ state }) => {
        await state.put(key, 'x');
        await state.delete(key);
        expect(await state.get(key)).toBeUndefined();
        await expect(state.delete(key)).resolves.toBeUndefined();
      }));

    it('deletes with a version only when it matches', () =>
      withState(async ({ state }) => {
        await state.put(key, 'x');
        await state.put(key, 'y');
        await expect(state.delete(key, { expectedVersion: 1 })).rejects.toBeInstanceOf(ConcurrentChangeError);
        expect(await state.get(key)).toMatchObject({ version: 2 });
        await state.delete(key, { expectedVersion: 2 });
        expect(await state.get(key)).toBeUndefined();
        await expect(state.delete(key, { expectedVersion: 2 })).rejects.toBeInstanceOf(ConcurrentChangeError);
      }));

    it('hides an item once its TTL has passed, and lets create-only write it anew', () =>
      withState(async ({ state, clock }) => {
        await state.put(key, 'dedup', { expectedVersion: null, ttlSec: 300 });
        clock.advance(299_000);
        expect(await state.get(key)).toMatchObject({ value: 'dedup' });
        clock.advance(1_000);
        expect(await state.get(key)).toBeUndefined();
        expect(await state.query(key.pk)).toEqual([]);
        await expect(state.put(key, 'x', { expectedVersion: 1 })).rejects.toBeInstanceOf(ConcurrentChangeError);
        expect(await state.put(key, 'again', { expectedVersion: null, ttlSec: 300 })).toBe(1);
        expect(await state.get(key)).toMatchObject({ value: 'again', version: 1 });
      }));

    it('drops the TTL when an item is put again without one', () =>
      withState(async ({ state, clock }) => {
        await state.put(key, 'short', { ttlSec: 10 });
        await state.put(key, 'kept');
        clock.advance(3_600_000);
        expect(await state.get(key)).toMatchObject({ value: 'kept' });
      }));

    it('queries one partition by sort-key prefix in order, with limit and descending', () =>
      withState(async ({ state }) => {
        const pk = 'deployments#hello#staging';
        for (const sk of ['d#003', 'd#001', 'd#002', 'e#001', 'd#1%_']) await state.put({ pk, sk }, sk);
        await state.put({ pk: 'deployments#hello#production', sk: 'd#000' }, 'other');
        const sks = async (options = {}) => (await state.query<string>(pk, options)).map((item) => item.sk);
        expect(await sks()).toEqual(['d#001', 'd#002', 'd#003', 'd#1%_', 'e#001']);
        expect(await sks({ prefix: 'd#00' })).toEqual(['d#001', 'd#002', 'd#003']);
        expect(await sks({ prefix: 'd#1%' })).toEqual(['d#1%_']);
        expect(await sks({ prefix: 'd#', limit: 2 })).toEqual(['d#001', 'd#002']);
        expect(await sks({ prefix: 'd#00', descending: true, limit: 2 })).toEqual(['d#003', 'd#002']);
        expect(await state.query(pk, { prefix: 'd#001' })).toEqual([{ pk, sk: 'd#001', value: 'd#001', version: 1 }]);
      }));

    it('makes a signed request single-use for its window, then forgets it (claimOnce, as uploads use it)', () =>
      withState(async ({ state, clock }) => {
        expect(await claimOnce(state, 'upload', 'ab'.repeat(32), clock.now(), 600)).toBe(true);
        expect(await claimOnce(state, 'upload', 'ab'.repeat(32), clock.now(), 600)).toBe(false);
        clock.advance(601_000);
        expect(await claimOnce(state, 'upload', 'ab'.repeat(32), clock.now(), 600)).toBe(true);
      }));

    it('records a push once and moves the branch head only by the signed chain (recordPush)', () =>
      withState(async ({ state, clock }) => {
        const push = (before: string, after: string, pushedAt: number, by: string) =>
          recordPush(state, 'hello', { branch: 'main', before, after, pushedAt, pusher: 'p' }, by, clock.now());
        expect((await push('a', 'b', 1, 'job-1')).kind).toBe('newest');
        expect((await push('b', 'c', 2, 'job-2')).kind).toBe('newest');
        expect((await push('a', 'b', 1, 'job-3')).kind).toBe('replay');
        expect(await branchesAt(state, 'hello', 'c')).toMatchObject([{ branch: 'main', sha: 'c' }]);
      }));
  });
}
