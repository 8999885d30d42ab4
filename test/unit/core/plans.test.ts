import { describe, expect, it } from 'vitest';
import { HostsUnreachableError } from '../../../functions/core/plans';
import { planOf } from './plan-fixture';

// A host that is down when the deployment starts counts as unhealthy, as CodeDeploy counts it against the
// minimum healthy hosts: skipped when the rest can deploy with the minimum kept, refused otherwise.
describe('unreachable hosts in a plan', () => {
  it('all hosts reachable: every host is batched and nothing is skipped', () => {
    const p = planOf('one-at-a-time', ['h1', 'h2'], []);
    expect(p.batches).toEqual([['h1'], ['h2']]);
    expect(p.skipped).toBeUndefined();
  });

  it('one-at-a-time on 2 hosts with one down is refused, naming the host and the strategy', () => {
    expect(() => planOf('one-at-a-time', ['h1', 'h2'], ['h2'])).toThrow(HostsUnreachableError);
    expect(() => planOf('one-at-a-time', ['h1', 'h2'], ['h2'])).toThrow(
      /h2 unreachable: strategy one-at-a-time keeps 1 of 2 host\(s\) healthy .* only 1 reachable — refused/,
    );
  });

  it('all (no minimum) skips the unreachable host and deploys the others', () => {
    const p = planOf('all', ['h1', 'h2'], ['h2']);
    expect(p.batches).toEqual([['h1']]);
    expect(p.skipped).toEqual(['h2']);
  });

  it('one-at-a-time on 3 hosts with one down skips it and still keeps one healthy per batch', () => {
    const p = planOf('{ type: one-at-a-time, min_healthy_hosts: 1 }', ['h1', 'h2', 'h3'], ['h3']);
    expect(p.batches).toEqual([['h1'], ['h2']]);
    expect(p.skipped).toEqual(['h3']);
  });

  it('a host that is not in the fleet does not count', () => {
    expect(planOf('one-at-a-time', ['h1', 'h2'], ['h9']).batches).toEqual([['h1'], ['h2']]);
  });
});
