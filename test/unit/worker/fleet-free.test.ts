import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeploymentProbe } from '../../../functions/ports';
import { getCurrent, getDeployment } from '../../../functions/state/deployments';
import { listFailedJobs } from '../../../functions/state/failed-jobs';
import { inspectFleet } from '../../../functions/state/fleet-health';
import { fleetHolder } from '../../../functions/state/fleets';
import { createWorker, type Worker } from '../../../functions/worker/worker';
import { workerHarness } from '../../support/worker-harness';

// A fleet slot whose deployment is gone is shown as stale and freed on an operator's request, through the
// worker (the fleet's queue group); the deployer says what became of the deployment (a Deployer.inspect
// stand-in here; CodeDeploy's GetDeployment and the local runner have their own tests).
describe('worker: freeing a fleet (tarmac fleet free)', () => {
  let h: ReturnType<typeof workerHarness>;
  let probe: DeploymentProbe;
  let worker: Worker;
  const stops: { externalId: string; reason: string; options?: { rollback?: boolean } | undefined }[] = [];
  beforeEach(() => {
    h = workerHarness();
    probe = { state: 'running', detail: 'CodeDeploy d-X is InProgress' };
    stops.length = 0;
    worker = createWorker({
      ...h.deps,
      deployer: {
        start: (r) => h.deployer.start(r),
        inspect: async () => probe,
        stop: async (externalId, reason, options) => {
          stops.push({ externalId, reason, options });
          return 'stopping';
        },
      },
    });
  });
  afterEach(() => h.close());

  const free = (fields: { reason: string; force?: boolean; fleet?: string }) =>
    worker.handle(h.job('fleet-free', { fleet: 'web', by: 'ops', force: false, ...fields }));
  const fleet = () =>
    inspectFleet(h.deps.state, { start: async () => ({ externalId: '' }), inspect: async () => probe }, 'web');

  async function deploying(env = 'staging', version = '1.0.0') {
    await worker.handle(await h.upload(version, `tarball ${version}`));
    const result = await worker.handle(h.job('deploy', { env, ref: version, trigger: 'cli', requestedBy: 'alice' }));
    return result.deploymentId ?? '';
  }

  it('shows who holds the fleet since when; refuses to free a live one without --force', async () => {
    const id = await deploying();
    const view = await fleet();
    expect(view).toMatchObject({ holder: { deploymentId: id, app: 'hello', env: 'staging' }, detail: probe.detail });
    expect(view.stale).toBeUndefined();
    expect(Date.parse(view.holder?.since ?? '')).not.toBeNaN();
    const result = await free({ reason: 'looks stuck' });
    expect(result.outcome).toBe('refused');
    expect(result.message).toContain(`held by deployment ${id}`);
    expect(result.message).toContain('--force');
    expect((await fleetHolder(h.deps.state, 'web'))?.deploymentId).toBe(id);
  });

  it('applies a lost success: CodeDeploy says Succeeded, so the release becomes current and the fleet frees', async () => {
    const id = await deploying();
    probe = { state: 'ended', status: 'succeeded', detail: 'CodeDeploy d-X Succeeded' };
    expect((await fleet()).stale).toBe('CodeDeploy d-X Succeeded');
    const result = await free({ reason: 'deployment.finished was lost' });
    expect(result.outcome).toBe('done');
    expect((await getDeployment(h.deps.state, id))?.status).toBe('succeeded');
    expect((await getCurrent(h.deps.state, 'hello', 'staging'))?.deploymentId).toBe(id);
    expect(await fleetHolder(h.deps.state, 'web')).toBeUndefined();
    expect((await fleet()).lastFreed).toMatchObject({
      by: 'ops',
      reason: 'deployment.finished was lost',
      forced: false,
    });
  });

  it('fails a deployment stopped by hand with the reason, and starts the deploy that waited', async () => {
    const first = await deploying('staging', '1.0.0');
    const waiting = await deploying('production', '2.0.0');
    expect((await getDeployment(h.deps.state, waiting))?.status).toBe('pending');
    probe = { state: 'ended', status: 'failed', detail: 'CodeDeploy d-X Stopped: stopped by a user' };
    await free({ reason: 'stopped in the console' });
    const stopped = await getDeployment(h.deps.state, first);
    expect(stopped?.status).toBe('failed');
    expect(stopped?.error).toContain('fleet web freed by ops: "stopped in the console" (CodeDeploy d-X Stopped');
    expect((await fleetHolder(h.deps.state, 'web'))?.deploymentId).toBe(waiting);
    expect(h.deployer.requests.map((r) => r.plan.deploymentId)).toEqual([first, waiting]);
  });

  it('tells a deploy that waits behind a stale hold how to free the fleet, without freeing it', async () => {
    const first = await deploying('staging', '1.0.0');
    probe = { state: 'ended', status: 'failed', detail: 'CodeDeploy d-X Stopped' };
    await worker.handle(await h.upload('2.0.0', 'tarball 2.0.0'));
    const waiting = await worker.handle(
      h.job('deploy', { env: 'production', ref: '2.0.0', trigger: 'cli', requestedBy: 'bob' }),
    );
    expect(waiting.message).toContain(
      `its holder ${first} looks stale (CodeDeploy d-X Stopped): tarmac fleet free web`,
    );
    expect((await fleetHolder(h.deps.state, 'web'))?.deploymentId).toBe(first);
  });

  it('frees a live one with --force, stopping its deployment where it is, saying so in the record', async () => {
    const id = await deploying();
    await free({ reason: 'host is gone for good', force: true });
    const error = (await getDeployment(h.deps.state, id))?.error;
    expect(error).toContain('forced while running: CodeDeploy d-X is InProgress');
    expect(error).toContain('its deployment was stopped where it is, not rolled back: check what the hosts serve');
    // CodeDeploy StopDeployment without a rollback: nothing keeps running on a fleet tarmac calls free.
    expect(stops).toEqual([
      { externalId: 'ext-1', reason: 'fleet web freed by ops: "host is gone for good"', options: { rollback: false } },
    ]);
    expect(await fleetHolder(h.deps.state, 'web')).toBeUndefined();
    expect((await fleet()).lastFreed).toMatchObject({ forced: true, stopped: 'stopping' });
  });

  it('does not stop anything when the hold is stale', async () => {
    await deploying();
    probe = { state: 'ended', status: 'failed', detail: 'CodeDeploy d-X Stopped' };
    await free({ reason: 'stopped in the console', force: true });
    expect(stops).toEqual([]);
    expect((await fleet()).lastFreed).toMatchObject({ forced: false });
    expect((await fleet()).lastFreed?.stopped).toBeUndefined();
  });

  it('marks a slot whose deployment can no longer be found as stale, and frees it', async () => {
    const id = await deploying();
    await h.deps.state.delete({ pk: `deployment#${id}`, sk: 'ref' }); // the deployment can no longer be found
    const view = await fleet();
    expect(view.stale).toBe(`deployment ${id} no longer exists`);
    await free({ reason: 'record gone' });
    expect(await fleetHolder(h.deps.state, 'web')).toBeUndefined();
  });

  it('records a request for an unknown fleet as a failed job, not retried', async () => {
    const result = await free({ reason: 'typo', fleet: 'wbe' });
    expect(result.outcome).toBe('failed');
    const [failed] = await listFailedJobs(h.deps.state);
    expect(failed).toMatchObject({ errorName: 'UnknownNameError', type: 'fleet-free' });
    expect(failed?.error).toContain('unknown fleet "wbe"');
  });
});
