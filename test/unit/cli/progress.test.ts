import { describe, expect, it } from 'vitest';
import { memoryOutput } from '../../../functions/cli/output';
import { DeploymentProgress } from '../../../functions/cli/progress';
import type { Deployment } from '../../../functions/core/deployments';

const base: Deployment = {
  id: 'D1',
  app: 'hello',
  env: 'staging',
  fleet: 'web',
  releaseId: '2.0.0-abcdefabcdef',
  version: '2.0.0',
  sha256: 'ab'.repeat(32),
  status: 'in_progress',
  trigger: 'cli',
  requestedBy: 'alice',
  correlationId: 'c1',
  createdAt: '2030-01-01T00:00:00.000Z',
  hosts: [],
};

const snapshots: Deployment[] = [
  base,
  {
    ...base,
    hosts: [{ host: 'h1', status: 'in_progress', events: [{ event: 'BeforeInstall', status: 'succeeded' }] }],
  },
  {
    ...base,
    status: 'rolled_back',
    error: 'ValidateService failed on h1\nhealth check: HTTP 500',
    hosts: [
      {
        host: 'h1',
        status: 'failed',
        events: [
          { event: 'BeforeInstall', status: 'succeeded' },
          { event: 'ValidateService', status: 'failed', tail: 'curl: 500' },
        ],
      },
    ],
  },
];

function play(isTTY: boolean, json: boolean) {
  const out = memoryOutput(isTTY);
  let now = 0;
  const progress = new DeploymentProgress(out, { json, startedAt: 0, now: () => now });
  for (const s of snapshots.slice(0, -1)) {
    progress.update(s);
    now += 1500;
  }
  const ok = progress.finish(snapshots.at(-1) as Deployment);
  return { ok, text: out.out.join('') };
}

describe('deployment progress', () => {
  it('prints plain lines with elapsed time when not a TTY', () => {
    const { ok, text } = play(false, false);
    expect(ok).toBe(false);
    expect(text).toBe(
      [
        '[   0.0s] hello/staging 2.0.0: in progress',
        '[   1.5s] h1 BeforeInstall succeeded',
        '[   3.0s] h1 ValidateService failed',
        '    curl: 500',
        '[   3.0s] hello/staging 2.0.0: rolled back',
        '    ValidateService failed on h1',
        '    health check: HTTP 500',
        '',
      ].join('\n'),
    );
  });

  it('marks events with ✓ and ✗ on a TTY', () => {
    const { text } = play(true, false);
    expect(text).toContain('] ✓ h1 BeforeInstall succeeded');
    expect(text).toContain('] ✗ h1 ValidateService failed');
  });

  it('prints one JSON object per line with --json, and no free text', () => {
    const { text } = play(false, true);
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { type: 'deployment', id: 'D1', status: 'in_progress', elapsed: '0.0s' },
      { type: 'hook', host: 'h1', event: 'BeforeInstall', status: 'succeeded', elapsed: '1.5s' },
      { type: 'hook', host: 'h1', event: 'ValidateService', status: 'failed', elapsed: '3.0s' },
      { type: 'deployment', id: 'D1', status: 'rolled_back', elapsed: '3.0s' },
    ]);
  });

  it('does not repeat hook output that the deployment error quotes again', () => {
    const out = memoryOutput(false);
    const progress = new DeploymentProgress(out, { json: false, startedAt: 0, now: () => 0 });
    const failed = snapshots.at(-1) as Deployment;
    progress.finish({ ...failed, error: 'ValidateService failed on h1\ncurl: 500\njournal: boom' });
    const text = out.out.join('');
    expect(text.match(/curl: 500/g)).toHaveLength(1);
    expect(text).toContain('    journal: boom');
  });

  it('reports success only for a succeeded deployment', () => {
    const progress = new DeploymentProgress(memoryOutput(), { json: false, startedAt: 0, now: () => 0 });
    expect(progress.finish({ ...base, status: 'succeeded' })).toBe(true);
  });
});

describe('progress against the usual duration (p90 of the environment)', () => {
  it('says on each hook line how far along the deployment is, and when it runs longer than usual', () => {
    const out = memoryOutput(false);
    const started = Date.parse('2030-01-01T00:00:00.000Z');
    let now = started + 2_500;
    const estimate = { p90Ms: 10_000, samples: 4 };
    const progress = new DeploymentProgress(out, { json: false, startedAt: started, now: () => now, estimate });
    const running = { ...base, startedAt: new Date(started).toISOString() };
    const step = (event: 'BeforeInstall' | 'AfterInstall') => ({ event, status: 'succeeded' as const });
    progress.update({ ...running, hosts: [{ host: 'h1', status: 'in_progress', events: [step('BeforeInstall')] }] });
    now = started + 12_000;
    progress.update({
      ...running,
      hosts: [{ host: 'h1', status: 'in_progress', events: [step('BeforeInstall'), step('AfterInstall')] }],
    });
    expect(out.out.join('')).toContain('h1 BeforeInstall succeeded  (~25%)\n');
    expect(out.out.join('')).toContain('h1 AfterInstall succeeded  (over the usual)\n');
  });

  it('adds the fraction to --json hook lines', () => {
    const out = memoryOutput(false);
    const started = Date.parse('2030-01-01T00:00:00.000Z');
    const estimate = { p90Ms: 8_000, samples: 2 };
    const progress = new DeploymentProgress(out, {
      json: true,
      startedAt: started,
      now: () => started + 2_000,
      estimate,
    });
    progress.update({
      ...base,
      startedAt: new Date(started).toISOString(),
      hosts: [{ host: 'h1', status: 'in_progress', events: [{ event: 'BeforeInstall', status: 'succeeded' }] }],
    });
    const hook = out.out.map((l) => JSON.parse(l)).find((l) => l.type === 'hook');
    expect(hook).toMatchObject({ host: 'h1', event: 'BeforeInstall', progress: 0.25 });
  });
});
