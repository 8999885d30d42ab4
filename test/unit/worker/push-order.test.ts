import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordPush } from '../../../functions/state/pushes';
import { workerHarness } from '../../support/worker-harness';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

describe('worker: pushes are ordered by what GitHub signs, never by arrival', () => {
  let h: ReturnType<typeof workerHarness>;
  beforeEach(() => {
    h = workerHarness();
  });
  afterEach(() => h.close());

  const push = (before: string, after: string, pushedAt?: number) =>
    h.worker.handle(h.job('push', { branch: 'main', before, sha: after, pushedAt, pusher: 'carol' }));
  const deployed = () => h.deployer.requests.map((r) => r.plan.release.version);
  const finishLast = async () => {
    const last = h.deployer.requests.at(-1);
    if (last) await h.finish(last);
  };

  it('treats an old push body replayed under a new delivery id as a no-op: no rollback', async () => {
    await h.worker.handle(await h.upload('1.0.0', 'one', { gitSha: B, branch: 'main' }));
    await h.worker.handle(await h.upload('2.0.0', 'two', { gitSha: C, branch: 'main' }));
    await push(A, B, 100);
    await finishLast();
    await push(B, C, 200);
    await finishLast();
    expect(deployed()).toEqual(['1.0.0', '2.0.0']);
    h.clock.advance(60_000);
    const replay = await push(A, B, 100);
    expect(replay).toMatchObject({ outcome: 'skipped', message: expect.stringContaining('already recorded') });
    expect(deployed()).toEqual(['1.0.0', '2.0.0']);
  });

  it('does not deploy a push that arrives after a later one (late delivery), and deploys the later one', async () => {
    await push(B, C, 200);
    const late = await push(A, B, 100);
    expect(late).toMatchObject({ outcome: 'skipped', message: expect.stringContaining('not newer than ccccccc') });
    await h.worker.handle(await h.upload('1.0.0', 'one', { gitSha: B, branch: 'main' }));
    expect(deployed()).toEqual([]);
    await h.worker.handle(await h.upload('2.0.0', 'two', { gitSha: C, branch: 'main' }));
    expect(deployed()).toEqual(['2.0.0']);
  });

  it('follows a force push back to an older commit: a new ref update, continuing the chain', async () => {
    await h.worker.handle(await h.upload('1.0.0', 'one', { gitSha: B, branch: 'main' }));
    await h.worker.handle(await h.upload('2.0.0', 'two', { gitSha: C, branch: 'main' }));
    await push(A, B, 100);
    await finishLast();
    await push(B, C, 200);
    await finishLast();
    await push(C, B, 300);
    expect(deployed()).toEqual(['1.0.0', '2.0.0', '1.0.0']);
  });

  it('refuses a push that neither continues the chain nor is timestamped later', async () => {
    await push(A, B);
    const gap = await push(C, 'd'.repeat(40));
    expect(gap.outcome).toBe('skipped');
    await h.worker.handle(await h.upload('3.0.0', 'three', { gitSha: 'd'.repeat(40), branch: 'main' }));
    expect(deployed()).toEqual([]);
  });

  it('lets a retried job (same idempotency key) resume, while another key with the same body is a replay', async () => {
    const update = { branch: 'main', before: A, after: B, pushedAt: 100, pusher: 'carol' };
    expect((await recordPush(h.deps.state, 'hello', update, 'job-x', h.clock.now())).kind).toBe('newest');
    expect((await recordPush(h.deps.state, 'hello', update, 'job-x', h.clock.now())).kind).toBe('newest');
    expect((await recordPush(h.deps.state, 'hello', update, 'job-y', h.clock.now())).kind).toBe('replay');
  });
});
