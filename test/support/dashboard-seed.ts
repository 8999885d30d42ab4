import { createHash } from 'node:crypto';
import {
  type Deployment,
  LIFECYCLE_EVENTS,
  recordHook,
  type Trigger,
  transition,
} from '../../functions/core/deployments';
import { releaseId } from '../../functions/core/releases';
import type { StateStore } from '../../functions/ports';
import { createDeployment, setCurrent, updateDeployment } from '../../functions/state/deployments';
import type { FakeClock } from './fake-clock';

export interface SeedOptions {
  readonly app?: string;
  readonly env: string;
  readonly version: string;
  readonly hosts?: readonly string[];
  readonly by?: string;
  readonly trigger?: Trigger;
  readonly gitSha?: string;
  /** Make this host's ValidateService fail (the deployment fails, current stays). */
  readonly failValidateOn?: string;
  /** Only queue it (status pending, no host results). */
  readonly pending?: boolean;
}

let sequence = 0;

/**
 * Record a deployment the way the worker does, through the state helpers and the core's transitions: created
 * pending, started, every hook on every host in order (each taking 2 s of the fake clock, with an output
 * tail), then succeeded — which makes it current — or failed.
 */
export async function seedDeployment(state: StateStore, clock: FakeClock, options: SeedOptions): Promise<Deployment> {
  const app = options.app ?? 'hello';
  const sha256 = createHash('sha256').update(options.version).digest('hex');
  const id = `dep-${options.env}-${options.version}-${++sequence}`;
  const created: Deployment = {
    id,
    app,
    env: options.env,
    fleet: 'web',
    releaseId: releaseId(options.version, sha256),
    version: options.version,
    sha256,
    gitSha: options.gitSha,
    status: 'pending',
    trigger: options.trigger ?? 'cli',
    requestedBy: options.by ?? 'alice',
    correlationId: `corr-${id}`,
    createdAt: clock.now().toISOString(),
    hosts: [],
  };
  await createDeployment(state, created);
  if (options.pending) return created;
  await updateDeployment(state, id, (d) => transition(d, 'in_progress', clock.now()));
  let failed = false;
  for (const host of options.hosts ?? ['h1', 'h2']) {
    for (const event of LIFECYCLE_EVENTS) {
      const startedAt = clock.now().toISOString();
      clock.advance(2000);
      const fail = event === 'ValidateService' && host === options.failValidateOn;
      failed ||= fail;
      const tail = fail
        ? `curl: (7) Failed to connect to 127.0.0.1 port 4002\nhealth check failed`
        : `${event} ok on ${host}`;
      const result = {
        event,
        status: fail ? 'failed' : 'succeeded',
        startedAt,
        endedAt: clock.now().toISOString(),
        tail,
      } as const;
      await updateDeployment(state, id, (d) => recordHook(d, host, result));
    }
  }
  const done = await updateDeployment(state, id, (d) =>
    transition(
      d,
      failed ? 'failed' : 'succeeded',
      clock.now(),
      failed ? { error: `ValidateService failed on ${options.failValidateOn}` } : {},
    ),
  );
  if (!failed) {
    await setCurrent(state, app, options.env, {
      releaseId: done.releaseId,
      version: done.version,
      sha256,
      gitSha: options.gitSha,
      deploymentId: id,
      at: clock.now().toISOString(),
      by: done.requestedBy,
      trigger: done.trigger,
    });
  }
  return done;
}

/**
 * The dashboard tests' story: staging ran 1.4.0 (a push) and has 1.5.0 queued by dave; production ran 1.3.0
 * (carol, from Slack), then 1.4.0 failed ValidateService on h2.
 */
export async function seedDashboardStory(state: StateStore, clock: FakeClock): Promise<void> {
  await seedDeployment(state, clock, { env: 'staging', version: '1.4.0', gitSha: 'abcdef1234567890', trigger: 'push' });
  await seedDeployment(state, clock, { env: 'production', version: '1.3.0', by: 'carol', trigger: 'slack' });
  await seedDeployment(state, clock, { env: 'production', version: '1.4.0', failValidateOn: 'h2' });
  await seedDeployment(state, clock, { env: 'staging', version: '1.5.0', pending: true, by: 'dave' });
}
