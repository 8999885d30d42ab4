import { describe, expect, it } from 'vitest';
import { openLocalAdapters } from '../../../functions/adapters/local';
import { recordFailedJob } from '../../../functions/state/failed-jobs';
import { recordFleetFreed } from '../../../functions/state/fleet-health';
import { acquireFleet } from '../../../functions/state/fleets';
import { cliInTempDir } from './cli-harness';

const { paths, tarmac } = cliInTempDir('tarmac-cli-fleet-');

/** A fleet held by a deployment whose record is gone (a crash between the two writes), and a failed job. */
async function seed(): Promise<void> {
  const adapters = openLocalAdapters(paths.data);
  const since = new Date(Date.now() - 3 * 60_000).toISOString();
  await acquireFleet(adapters.state, 'web', { deploymentId: 'd-gone', app: 'hello', env: 'staging', since });
  await recordFailedJob(adapters.state, {
    id: 'job-7',
    type: 'deploy',
    app: 'hello',
    env: 'moon',
    correlationId: 'corr-7',
    errorName: 'UnknownNameError',
    error: 'unknown environment "moon" — known: staging, production',
    reason: 'permanent',
    attempts: 1,
    at: new Date().toISOString(),
    body: {},
  });
  adapters.close();
}

describe('tarmac fleet and status: stale fleets and failed jobs', () => {
  it('status marks a stale fleet with the way out, and lists the failed job with its correlation id', async () => {
    await seed();
    const { code, stdout } = await tarmac('status');
    expect(code).toBe(0);
    expect(stdout).toMatch(/fleet web +held by d-gone \(hello\/staging record gone\) since 3 ?min ago/);
    expect(stdout).toContain('STALE: deployment d-gone no longer exists — tarmac fleet free web --reason');
    expect(stdout).toContain('deploy hello/moon UnknownNameError: unknown environment "moon"');
    expect(stdout).toContain('(correlation corr-7)');
  });

  it('frees the stale fleet on request and keeps who, why and when', async () => {
    await seed();
    const freed = await tarmac('fleet', 'free', 'web', '--reason', 'record lost in a crash');
    expect(freed.stderr).toBe('');
    expect(freed.stdout).toMatch(
      /fleet web freed by .+: "record lost in a crash" \(deployment d-gone no longer exists\)/,
    );
    const { stdout } = await tarmac('fleet', 'list');
    expect(stdout).toMatch(/fleet web +free/);
    expect(stdout).toMatch(/last freed by .+ ago: "record lost in a crash"/);
  });

  it('says when a forced free stopped the deployment where it was', async () => {
    const adapters = openLocalAdapters(paths.data);
    await recordFleetFreed(adapters.state, {
      fleet: 'web',
      deploymentId: 'd-live',
      by: 'ops',
      reason: 'host gone',
      forced: true,
      why: 'forced while running: CodeDeploy d-X is InProgress',
      stopped: 'stopping',
      at: new Date().toISOString(),
    });
    adapters.close();
    expect((await tarmac('fleet', 'list')).stdout).toMatch(
      /last freed by ops \d+ s ago: "host gone" \(forced while running: CodeDeploy d-X is InProgress\); its deployment was stopped where it was, not rolled back\n/,
    );
  });

  it('fails on an unknown fleet naming the known ones, and without a reason', async () => {
    const unknown = await tarmac('fleet', 'free', 'wbe', '--reason', 'typo');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown fleet "wbe" — known: web');
    const bare = await tarmac('fleet', 'free', 'web');
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toContain('--reason');
  });
});
