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
