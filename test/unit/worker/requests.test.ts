import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deploymentHistory, getCurrent } from '../../../functions/state/deployments';
import { workerHarness } from '../../support/worker-harness';

describe('worker: locks, continuous delivery, rollback, promote', () => {
  let h: ReturnType<typeof workerHarness>;
  beforeEach(() => {
    h = workerHarness();
  });
  afterEach(() => h.close());

  const deployTo = async (env: string, ref?: string) => {
    const result = await h.worker.handle(h.job('deploy', { env, ref, trigger: 'cli', requestedBy: 'alice' }));
    const request = h.deployer.requests.at(-1);
    if (request && request.plan.deploymentId === result.deploymentId) await h.finish(request);
    return result;
  };

  it('refuses manual deploys while locked, saying who, why, how long and how to unlock', async () => {
    await h.worker.handle(await h.upload('1.0.0', 'v1'));
    await h.worker.handle(h.job('lock', { env: 'production', reason: 'db maintenance', by: 'alice' }));
    h.clock.advance(3 * 3600_000);
    const result = await h.worker.handle(h.job('deploy', { env: 'production', trigger: 'cli', requestedBy: 'bob' }));
    expect(result).toMatchObject({
      outcome: 'refused',
      message: 'hello/production is locked by alice 3 h ago: "db maintenance" — tarmac unlock hello production',
    });
    expect(h.deployer.requests).toHaveLength(0);
    await h.worker.handle(h.job('unlock', { env: 'production', by: 'alice' }));
    expect((await deployTo('production')).outcome).toBe('done');
    expect(h.deployer.requests).toHaveLength(1);
  });

  it('joins a push and its build: the build arriving second starts the deploy', async () => {
    await h.worker.handle(h.job('push', { branch: 'main', sha: 'abc1234def', pusher: 'carol' }));
    expect(h.deployer.requests).toHaveLength(0);
    await h.worker.handle(await h.upload('1.1.0', 'v1.1', { gitSha: 'abc1234def', branch: 'main' }));
    expect(h.deployer.requests.map((r) => [r.plan.env, r.plan.release.version])).toEqual([['staging', '1.1.0']]);
  });

  it('joins a push and its build: the push arriving second starts the deploy', async () => {
    await h.worker.handle(await h.upload('1.1.0', 'v1.1', { gitSha: 'abc1234def', branch: 'main' }));
    expect(h.deployer.requests).toHaveLength(0);
    const result = await h.worker.handle(h.job('push', { branch: 'main', sha: 'abc1234def', pusher: 'carol' }));
    expect(result.outcome).toBe('done');
    expect(h.deployer.requests.map((r) => r.plan.env)).toEqual(['staging']);
  });

  it('does not deploy a build whose push was superseded by a newer push to the same branch', async () => {
    await h.worker.handle(h.job('push', { branch: 'main', sha: 'aaaaaaa1', pusher: 'carol' }));
    h.clock.advance(1000);
    await h.worker.handle(h.job('push', { branch: 'main', sha: 'bbbbbbb2', pusher: 'carol' }));
    await h.worker.handle(await h.upload('1.1.0', 'old', { gitSha: 'aaaaaaa1', branch: 'main' }));
    expect(h.deployer.requests).toHaveLength(0);
    await h.worker.handle(await h.upload('1.2.0', 'new', { gitSha: 'bbbbbbb2', branch: 'main' }));
    expect(h.deployer.requests.map((r) => r.plan.release.version)).toEqual(['1.2.0']);
  });

  it('blocks push-triggered deploys while locked', async () => {
    await h.worker.handle(h.job('lock', { env: 'staging', reason: 'demo', by: 'dave' }));
    await h.worker.handle(h.job('push', { branch: 'main', sha: 'abc1234def', pusher: 'carol' }));
    await h.worker.handle(await h.upload('1.1.0', 'v1.1', { gitSha: 'abc1234def', branch: 'main' }));
    expect(h.deployer.requests).toHaveLength(0);
    expect(h.notifications.some((n) => n.kind === 'rejected' && n.text.includes('locked by dave'))).toBe(true);
  });

  it('rolls back to the previous successful release without naming a version', async () => {
    await h.worker.handle(await h.upload('1.0.0', 'v1'));
    await h.worker.handle(await h.upload('2.0.0', 'v2'));
    await deployTo('staging', '1.0.0');
    await deployTo('staging', '2.0.0');
    await h.worker.handle(h.job('rollback', { env: 'staging', requestedBy: 'alice' }));
    const request = h.deployer.requests.at(-1);
    expect(request?.plan.release.version).toBe('1.0.0');
    await h.finish(request ?? expect.fail('no rollback'));
    const [latest] = await deploymentHistory(h.deps.state, 'hello', 'staging');
    expect(latest?.trigger).toBe('rollback');
    expect((await getCurrent(h.deps.state, 'hello', 'staging'))?.version).toBe('1.0.0');
  });

  it('fails a rollback when there is nothing to go back to', async () => {
    const result = await h.worker.handle(h.job('rollback', { env: 'staging', requestedBy: 'alice' }));
    expect(result).toMatchObject({
      outcome: 'refused',
      message: 'hello/staging: no previous successful release to roll back to',
    });
  });

  it('promotes the very same tarball (by sha256) from staging to production', async () => {
    await h.worker.handle(await h.upload('1.0.0', 'v1'));
    await h.worker.handle(await h.upload('2.0.0', 'v2'));
    await deployTo('staging', '1.0.0');
    await h.worker.handle(h.job('promote', { from: 'staging', to: 'production', requestedBy: 'alice' }));
    const request = h.deployer.requests.at(-1);
    const staging = await getCurrent(h.deps.state, 'hello', 'staging');
    expect(request?.plan.env).toBe('production');
    expect(request?.plan.release.sha256).toBe(staging?.sha256);
  });

  it('fails a promote from an environment with no successful release', async () => {
    await h.worker.handle(await h.upload('1.0.0', 'v1'));
    const result = await h.worker.handle(h.job('promote', { from: 'staging', to: 'production', requestedBy: 'alice' }));
    expect(result).toMatchObject({ outcome: 'refused' });
    expect(result.message).toContain('has no successful release to promote');
    expect(h.deployer.requests).toHaveLength(0);
  });
});
