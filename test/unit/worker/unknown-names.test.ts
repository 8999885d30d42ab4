import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instanceOf } from '../../../functions/core/config';
import { UnknownNameError } from '../../../functions/core/errors';
import { keys } from '../../../functions/state/keys';
import { workerHarness } from '../../support/worker-harness';

describe('worker: jobs naming an unknown app or environment (Object.prototype names included)', () => {
  let h: ReturnType<typeof workerHarness>;
  beforeEach(() => {
    h = workerHarness();
  });
  afterEach(() => h.close());

  it('gives them up at once (never throws, so the queue never retries them), telling the requester', async () => {
    await h.worker.handle(await h.upload('1.0.0', 'v1'));
    const jobs = [
      h.job('deploy', { env: 'constructor', trigger: 'slack', requestedBy: 'mallory' }),
      h.job('lock', { env: 'constructor', reason: 'x', by: 'mallory' }),
      h.job('promote', { from: 'staging', to: 'constructor', requestedBy: 'mallory' }),
      { ...h.job('deploy', { env: 'staging', trigger: 'cli', requestedBy: 'mallory' }), app: 'constructor' },
      { ...h.job('push', { branch: 'main', sha: 'a'.repeat(40), pusher: 'mallory' }), app: '__proto__' },
    ];
    for (const job of jobs) {
      const result = await h.worker.handle(job);
      // A job that can never succeed is given up at once (recorded, acknowledged, never retried: #10a).
      expect(result).toMatchObject({
        outcome: 'failed',
        message: expect.stringMatching(/not done: unknown (app|environment) "(constructor|__proto__)".* — known: /),
      });
    }
    expect(h.deployer.requests).toHaveLength(0);
    expect(await h.deps.state.get(keys.lock('hello', 'constructor'))).toBeUndefined();
    expect(h.notifications.filter((n) => n.kind === 'rejected')).toHaveLength(jobs.length);
  });

  it('throws a typed UnknownNameError from instanceOf with the known names', () => {
    expect(() => instanceOf(h.deps.config, 'hello', 'constructor')).toThrow(UnknownNameError);
    expect(() => instanceOf(h.deps.config, 'toString', 'staging')).toThrow('unknown app "toString" — known: hello');
  });
});
