import type { Clock } from '../../functions/ports';

/** A clock that only moves when told: time-dependent behaviour is tested without sleeping. */
export class FakeClock implements Clock {
  private ms: number;

  constructor(start: Date | string = '2030-01-01T00:00:00.000Z') {
    this.ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  /** Move forward by `ms` milliseconds (negative values move back, to test clock skew). */
  advance(ms: number): void {
    this.ms += ms;
  }

  set(date: Date | string): void {
    this.ms = new Date(date).getTime();
  }
}
