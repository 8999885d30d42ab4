import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../../functions/core/deployments';
import {
  describeEstimate,
  describeProgress,
  estimateDuration,
  formatDuration,
  progressOf,
} from '../../../functions/core/estimate';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
let n = 0;
/** A deployment of `seconds` that ended `status`, started n minutes after T0. */
function took(seconds: number, status: Deployment['status'] = 'succeeded'): Deployment {
  const start = T0 + ++n * 60_000;
  return {
    id: `d${n}`,
    app: 'hello',
    env: 'staging',
    fleet: 'web',
    releaseId: 'r',
    version: '1.0.0',
    sha256: 'ab'.repeat(32),
    status,
    trigger: 'cli',
    requestedBy: 'alice',
    correlationId: 'c',
    createdAt: new Date(start).toISOString(),
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + seconds * 1000).toISOString(),
    hosts: [],
  };
}

describe('how long a deployment of an environment usually takes', () => {
  it('is the p90 (nearest rank) of the succeeded ones', () => {
    const history = [10, 12, 11, 13, 40, 12, 11, 10, 12, 14].map((s) => took(s));
    expect(estimateDuration(history)).toEqual({ p90Ms: 14_000, samples: 10 });
    expect(estimateDuration([took(30)])).toEqual({ p90Ms: 30_000, samples: 1 });
  });

  it('leaves out failed, rolled-back, pending and running ones, and looks at the newest 20 only', () => {
    const pending = { ...took(0), status: 'pending' as const, startedAt: undefined, endedAt: undefined };
    const history = [took(500, 'failed'), took(900, 'rolled_back'), pending, took(20), took(25)];
    expect(estimateDuration(history)).toEqual({ p90Ms: 25_000, samples: 2 });
    const many = [...Array.from({ length: 20 }, () => took(10)), ...Array.from({ length: 5 }, () => took(99))];
    expect(estimateDuration(many)).toEqual({ p90Ms: 10_000, samples: 20 });
    expect(estimateDuration([took(5, 'failed')])).toBeUndefined();
  });

  it('says how far along a running deployment is, never 100% before it ends', () => {
    const estimate = { p90Ms: 40_000, samples: 7 };
    const running = { status: 'in_progress' as const, startedAt: new Date(T0).toISOString() };
    const at = (s: number) => new Date(T0 + s * 1000);
    expect(progressOf(running, estimate, at(10))).toEqual({ elapsedMs: 10_000, fraction: 0.25, overdue: false });
    expect(progressOf(running, estimate, at(60))).toEqual({ elapsedMs: 60_000, fraction: 0.99, overdue: true });
    expect(progressOf({ ...running, status: 'succeeded' }, estimate, at(10))).toBeUndefined();
    expect(progressOf(running, undefined, at(10))).toBeUndefined();
    expect(describeEstimate(estimate)).toBe('usually takes 40 s (p90 of the last 7)');
    expect(describeProgress({ elapsedMs: 10_000, fraction: 0.25, overdue: false }, estimate)).toBe(
      '10 s of ~40 s (25%)',
    );
    expect(describeProgress({ elapsedMs: 61_000, fraction: 0.99, overdue: true }, estimate)).toBe(
      '1 min 1 s, longer than the usual 40 s',
    );
    expect([formatDuration(125_000), formatDuration(3_780_000), formatDuration(120_000)]).toEqual([
      '2 min 5 s',
      '1 h 3 min',
      '2 min',
    ]);
  });
});
