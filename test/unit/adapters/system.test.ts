import { describe, expect, it } from 'vitest';
import { randomIds, systemClock } from '../../../functions/adapters/system';
import { FakeClock } from '../../support/fake-clock';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('randomIds', () => {
  it('makes 26-character Crockford base32 ULIDs whose first 10 characters encode the clock', () => {
    // Time vector from the ULID spec: 1469918176385 ms → 01ARYZ6S41.
    const id = randomIds(new FakeClock(new Date(1469918176385))).next();
    expect(id).toMatch(ULID);
    expect(id.slice(0, 10)).toBe('01ARYZ6S41');
  });

  it('stays strictly increasing within one millisecond and when the clock steps back', () => {
    const clock = new FakeClock();
    const ids = randomIds(clock);
    const made: string[] = [];
    for (let i = 0; i < 500; i++) made.push(ids.next());
    clock.advance(-60_000);
    for (let i = 0; i < 10; i++) made.push(ids.next());
    clock.advance(120_000);
    made.push(ids.next());
    expect(new Set(made).size).toBe(made.length);
    expect([...made].sort()).toEqual(made);
  });

  it('draws fresh randomness for every new millisecond', () => {
    const clock = new FakeClock();
    const a = randomIds(clock).next();
    const b = randomIds(clock).next();
    expect(a.slice(0, 10)).toBe(b.slice(0, 10));
    expect(a.slice(10)).not.toBe(b.slice(10));
  });

  it('fails on a clock before 1970, naming the time', () => {
    expect(() => randomIds(new FakeClock(new Date(-5))).next()).toThrow(/time -5/);
  });

  it('uses the wall clock by default', () => {
    const before = Date.now();
    const now = systemClock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(randomIds().next()).toMatch(ULID);
  });
});
