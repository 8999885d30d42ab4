import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getDeployment } from '../../../functions/state/deployments';
import { fleetHolder, listPending } from '../../../functions/state/fleets';
import { createWorker, type Worker } from '../../../functions/worker/worker';
import { workerHarness } from '../../support/worker-harness';

// `tarmac abort`: the worker asks the deployer to stop (Deployer.stop; the local deployer and CodeDeploy have
// their own tests), records who aborted, and frees the fleet when nothing runs the deployment any more.
describe('worker: aborting a deployment (tarmac abort)', () => {
  let h: ReturnType<typeof workerHarness>;
  let worker: Worker;
  let running: boolean;
  let past: 'succeeded' | 'rolling-back' | undefined;
  const stops: { externalId: string; reason: string }[] = [];
  beforeEach(() => {
    h = workerHarness();
    running = true;
    past = undefined;
    stops.length = 0;
    worker = createWorker({
      ...h.deps,
      deployer: {
        start: (r) => h.deployer.start(r),
        stop: async (externalId, reason) => {
          stops.push({ externalId, reason });
          return past ?? (running ? 'stopping' : 'not-running');
        },
      },
    });
  });
  afterEach(() => h.close());

  const abort = (env = 'staging', reason?: string) =>
    worker.handle(h.job('abort', { env, by: 'ops', ...(reason ? { reason } : {}) }));
  async function deploying(env = 'staging', version = '1.0.0') {
    await worker.handle(await h.upload(version, `tarball ${version}`));
    const result = await worker.handle(h.job('deploy', { env, ref: version, trigger: 'cli', requestedBy: 'alice' }));
    return result.deploymentId ?? '';
  }

  it('asks the deployer to stop the running deployment and records who aborted it and why', async () => {
    const id = await deploying();
    const result = await abort('staging', 'bad metrics');
    expect(result).toMatchObject({ outcome: 'done', deploymentId: id });
    expect(result.message).toBe(
      `hello/staging: aborting ${id} (1.0.0) — the hosts it touched roll back to the release before it; the fleet is free when that ends`,
    );
    expect(stops).toEqual([{ externalId: 'ext-1', reason: 'aborted by ops: "bad metrics"' }]);
    expect((await getDeployment(h.deps.state, id))?.aborted).toMatchObject({ by: 'ops', reason: 'bad metrics' });
    // The fleet stays held until the deployer reports the end of the rollback.
    expect((await fleetHolder(h.deps.state, 'web'))?.deploymentId).toBe(id);
  });

  it('ends a deployment no runner has any more as failed, so the fleet is free at once', async () => {
    const id = await deploying();
    running = false;
    const result = await abort();
    expect(result.outcome).toBe('done');
    const deployment = await getDeployment(h.deps.state, id);
    expect(deployment?.status).toBe('failed');
    expect(deployment?.error).toMatch(/^aborted by ops — no live run to stop, so no host was rolled back/);
    expect(await fleetHolder(h.deps.state, 'web')).toBeUndefined();
  });

  it('drops a deploy still waiting for its fleet without touching the running one of another environment', async () => {
    const first = await deploying('staging', '1.0.0');
    const waiting = await deploying('production', '2.0.0');
    const result = await abort('production');
    expect(result.message).toBe(`hello/production: waiting deployment ${waiting} aborted by ops — it never started`);
    expect((await getDeployment(h.deps.state, waiting))?.status).toBe('failed');
    expect(await listPending(h.deps.state, 'web')).toEqual([]);
    expect(stops).toEqual([]);
    expect((await fleetHolder(h.deps.state, 'web'))?.deploymentId).toBe(first);
  });

  it('refuses when nothing of the environment runs, naming what holds the fleet', async () => {
    const other = await deploying('staging');
    const result = await abort('production');
    expect(result).toMatchObject({ outcome: 'refused' });
    expect(result.message).toBe(
      `hello/production: nothing to abort — no deployment of it runs (fleet web runs hello/staging, deployment ${other})`,
    );
    expect(stops).toEqual([]);
  });

  it('says there is nothing to abort once the last hook ended, and leaves the success alone', async () => {
    const id = await deploying();
    past = 'succeeded';
    const result = await abort('staging', 'too late');
    expect(result).toMatchObject({ outcome: 'refused', deploymentId: id });
    expect(result.message).toBe(
      `hello/staging: nothing to abort: deployment ${id} (1.0.0) already succeeded (its last hook had ended) — to undo it: tarmac rollback hello staging`,
    );
    const deployment = await getDeployment(h.deps.state, id);
    expect(deployment?.aborted).toBeUndefined();
    expect(deployment?.status).toBe('in_progress'); // the deployer's success is on its way, not overwritten
    expect((await fleetHolder(h.deps.state, 'web'))?.deploymentId).toBe(id);
  });

  it('leaves an automatic rollback under way to finish, and says so', async () => {
    const id = await deploying();
    past = 'rolling-back';
    const result = await abort();
    expect(result).toMatchObject({ outcome: 'done', deploymentId: id });
    expect(result.message).toBe(
      `hello/staging: deployment ${id} (1.0.0) already failed and is rolling back to the release before it — left to finish so no host is left half-way; the fleet is free when it ends`,
    );
    expect((await getDeployment(h.deps.state, id))?.status).toBe('in_progress');
    expect((await fleetHolder(h.deps.state, 'web'))?.deploymentId).toBe(id);
  });
});
