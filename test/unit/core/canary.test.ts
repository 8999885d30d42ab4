import { describe, expect, it } from 'vitest';
import { planLines } from '../../../functions/cli/plan-text';
import { CanaryTooLargeError, canaryGroupName, isCanaryGroup } from '../../../functions/core/canary';
import { parseConfig } from '../../../functions/core/config';
import { HostsUnreachableError } from '../../../functions/core/plans';
import { errorsOf } from './config-errors';
import { planOf, withStrategy } from './plan-fixture';

describe('canary plans', () => {
  it('puts the canary hosts first, then batches the rest with the fallback strategy', () => {
    const p = planOf('{ type: canary, hosts: 1, bake: 60 }', ['h1', 'h2', 'h3']);
    expect(p.batches).toEqual([['h1'], ['h2'], ['h3']]);
    expect(p.canary).toEqual({ hosts: ['h1'], bakeSeconds: 60, alarms: [], group: 'hello-staging.canary' });
    expect(p.strategy).toMatchObject({ type: 'one-at-a-time', batchSize: 1, minHealthyHosts: 2 });
  });

  it('deploys the rest all at once with rest: all, and takes several canary hosts', () => {
    const p = planOf('{ type: canary, hosts: 2, bake: 30, rest: all }', ['h1', 'h2', 'h3', 'h4']);
    expect(p.batches).toEqual([
      ['h1', 'h2'],
      ['h3', 'h4'],
    ]);
    expect(p.canary?.hosts).toEqual(['h1', 'h2']);
  });

  it('picks the canary among reachable hosts and skips an unreachable one of the rest', () => {
    const p = planOf('{ type: canary, hosts: 1, bake: 30, rest: all }', ['h1', 'h2', 'h3'], ['h1']);
    expect(p.batches).toEqual([['h2'], ['h3']]);
    expect(p.skipped).toEqual(['h1']);
  });

  it('fails when the unreachable hosts leave too few healthy for the rest strategy', () => {
    expect(() => planOf('{ type: canary, hosts: 1, bake: 30 }', ['h1', 'h2', 'h3'], ['h3'])).toThrow(
      HostsUnreachableError,
    );
  });

  it('fails when nothing would be left after the canary, naming the fleet and what to do', () => {
    expect(() => planOf('{ type: canary, hosts: 1, bake: 30 }', ['h1', 'h2'], ['h2'])).toThrow(CanaryTooLargeError);
    expect(() => planOf('{ type: canary, hosts: 1, bake: 30 }', ['h1', 'h2'], ['h2'])).toThrow(
      /deploys 1 host\(s\) first .* fleet web has only 1 reachable host\(s\)/,
    );
  });

  it('on AWS (hosts by EC2 tag) the canary is the tagged instances of the fleet, the rest the whole fleet', () => {
    const p = planOf('{ type: canary, hosts: 1, bake: 30, alarms: [hello-5xx] }', ['ec2:tarmac-fleet=web']);
    expect(p.batches).toEqual([['ec2:tarmac-fleet=web,tarmac-canary=true'], ['ec2:tarmac-fleet=web']]);
    expect(p.canary?.alarms).toEqual(['hello-5xx']);
  });

  it('leaves batched strategies without a canary', () => {
    expect(planOf('half', ['h1', 'h2']).canary).toBeUndefined();
  });

  it('names canary groups so that no environment group can take the name', () => {
    expect(canaryGroupName('hello', 'staging')).toBe('hello-staging.canary');
    expect(isCanaryGroup('hello-staging.canary')).toBe(true);
    expect(isCanaryGroup('hello-staging-canary')).toBe(false);
  });
});

describe('tarmac plan shows the canary', () => {
  it('prints the canary, its bake and the fallback strategy, host by host', () => {
    const lines = planLines(planOf('{ type: canary, hosts: 1, bake: 90, alarms: [hello-5xx] }', ['h1', 'h2', 'h3']));
    expect(lines[0]).toBe(
      'strategy canary: h1 first, bake 90 s (health checked throughout, alarms hello-5xx), then one-at-a-time: batches of 1, 2 host(s) kept healthy',
    );
    expect(lines[1]).toMatch(/^ {2}canary {3}h1: ApplicationStop → .* → ValidateService → bake 90 s$/);
    expect(lines[2]).toMatch(/^ {2}batch 2 {2}h2: ApplicationStop → .* → ValidateService$/);
    expect(lines[3]).toMatch(/^ {2}batch 3 {2}h3: /);
  });

  it('prints a batched plan as before', () => {
    expect(planLines(planOf('one-at-a-time', ['h1', 'h2']))[0]).toBe(
      'strategy one-at-a-time: batches of 1, 1 host(s) kept healthy',
    );
  });
});

describe('canary config', () => {
  it('defaults hosts to 1 and rest to one-at-a-time', () => {
    const config = parseConfig(withStrategy('{ type: canary, bake: 60 }'));
    expect(config.apps.hello?.strategy).toEqual({
      type: 'canary',
      hosts: 1,
      bake: 60,
      rest: 'one-at-a-time',
      alarms: [],
    });
  });

  it('fails without a bake, with an unknown key, or with a canary rest', () => {
    expect(errorsOf(withStrategy('{ type: canary }')).join('\n')).toMatch(/strategy/);
    expect(errorsOf(withStrategy('{ type: canary, bake: 60, bak: 1 }')).join('\n')).toMatch(/strategy/);
    expect(errorsOf(withStrategy('{ type: canary, bake: 60, rest: canary }')).join('\n')).toMatch(/strategy/);
  });

  it('fails when bake and health timeout do not fit in one lifecycle event', () => {
    const text = withStrategy('{ type: canary, bake: 3000 }').replace('timeout: 60 }', 'timeout: 600 }');
    expect(errorsOf(text)).toEqual([
      expect.stringMatching(
        /apps\.hello\.strategy\.bake.*bake 3000 s \+ health timeout 600 s of production \+ 60 s is 3660 s, over the 3600 s/,
      ),
    ]);
  });

  it('fails for an environment in slots, whose ValidateService would end before the bake', () => {
    const text = withStrategy('{ type: canary, bake: 60 }')
      .replace('  web:\n', '  web:\n    nginx: true\n')
      .replace('        port: 4002\n', '        port: 4002\n        slots: { green_port: 4012 }\n');
    expect(errorsOf(text)).toEqual([
      expect.stringMatching(
        /apps\.hello\.environments\.production\.slots.*a canary does not bake an environment in slots yet/,
      ),
    ]);
  });

  it('fails when the fleet has no host left after the canary', () => {
    expect(errorsOf(withStrategy('{ type: canary, hosts: 2, bake: 60 }')).join('\n')).toMatch(
      /apps\.hello\.strategy\.hosts.*canary of 2 host\(s\) on fleet web, which has 2 \(h1, h2\)/,
    );
  });
});
