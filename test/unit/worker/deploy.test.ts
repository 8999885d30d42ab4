import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deploymentHistory, getCurrent, getDeployment } from '../../../functions/state/deployments';
import { listPending } from '../../../functions/state/fleets';
import { listReleases } from '../../../functions/state/releases';
import { workerHarness } from '../../support/worker-harness';

describe('worker: ingest and deploy', () => {
  let h: ReturnType<typeof workerHarness>;
  beforeEach(() => {
    h = workerHarness();
  });
  afterEach(() => h.close());

  it('accepts an upload, stores it content-addressed and records the release', async () => {
    const result = await h.worker.handle(await h.upload('1.0.0', 'tarball v1', { gitSha: 'abc1234' }));
    expect(result.outcome).toBe('done');
    const [release] = await listReleases(h.deps.state, 'hello');
    expect(release?.status).toBe('accepted');
    expect(release?.artifactKey).toBe(`sha256/${release?.sha256}`);
    expect(release?.id).toBe(`1.0.0-${release?.sha256.slice(0, 12)}`);
    expect(await h.deps.artifacts.head(release?.artifactKey ?? '')).toMatchObject({ size: 'tarball v1'.length });
  });

  it('records a hostile upload as rejected with the reason, and nothing else changes', async () => {
    const result = await h.worker.handle(await h.upload('6.6.6', 'HOSTILE'));
    expect(result).toMatchObject({ outcome: 'rejected' });
    expect(result.message).toContain('../etc/passwd: path leaves the release');
    const releases = await listReleases(h.deps.state, 'hello');
    expect(releases.map((r) => r.status)).toEqual(['rejected']);
    expect(h.notifications.at(-1)?.kind).toBe('rejected');
  });

  it('turns the same build event delivered 10 times into one release and one deployment', async () => {
    const ingest = await h.upload('1.0.0', 'tarball v1');
    for (let i = 0; i < 10; i++) await h.worker.handle(ingest);
    const deploy = h.job('deploy', { env: 'staging', trigger: 'cli', requestedBy: 'alice' });
    for (let i = 0; i < 10; i++) await h.worker.handle(deploy);
    expect(await listReleases(h.deps.state, 'hello')).toHaveLength(1);
    expect(h.deployer.requests).toHaveLength(1);
    expect(await deploymentHistory(h.deps.state, 'hello', 'staging')).toHaveLength(1);
  });

  it('deploys, and on success sets the current release and frees the fleet', async () => {
    await h.worker.handle(await h.upload('1.0.0', 'tarball v1'));
    const result = await h.worker.handle(h.job('deploy', { env: 'staging', trigger: 'cli', requestedBy: 'alice' }));
    const request = h.deployer.requests[0];
    expect(request?.plan.batches).toEqual([['h1'], ['h2']]);
    expect(request?.autoRollback).toBe(true);
    expect((await getDeployment(h.deps.state, result.deploymentId ?? ''))?.status).toBe('in_progress');
    await h.finish(request ?? expect.fail('no deploy'));
    const deployment = await getDeployment(h.deps.state, result.deploymentId ?? '');
    expect(deployment?.status).toBe('succeeded');
    expect(deployment?.hosts.map((x) => [x.host, x.status])).toEqual([
      ['h1', 'succeeded'],
      ['h2', 'succeeded'],
    ]);
    expect((await getCurrent(h.deps.state, 'hello', 'staging'))?.version).toBe('1.0.0');
  });

  it('never runs staging and production at once on a shared fleet: the second waits and starts after', async () => {
    await h.worker.handle(await h.upload('1.0.0', 'tarball v1'));
    await h.worker.handle(h.job('deploy', { env: 'staging', trigger: 'cli', requestedBy: 'alice' }));
    const second = await h.worker.handle(h.job('deploy', { env: 'production', trigger: 'cli', requestedBy: 'bob' }));
    expect(h.deployer.requests).toHaveLength(1);
    expect((await getDeployment(h.deps.state, second.deploymentId ?? ''))?.status).toBe('pending');
    expect((await listPending(h.deps.state, 'web')).map((p) => p.env)).toEqual(['production']);
    await h.finish(h.deployer.requests[0] ?? expect.fail('no deploy'));
    expect(h.deployer.requests).toHaveLength(2);
    expect(h.deployer.requests[1]?.plan.env).toBe('production');
    expect(await listPending(h.deps.state, 'web')).toEqual([]);
  });

  it('lets a newer pending deploy supersede an older one of the same environment', async () => {
    await h.worker.handle(await h.upload('1.0.0', 'tarball v1'));
    await h.worker.handle(await h.upload('2.0.0', 'tarball v2'));
    await h.worker.handle(h.job('deploy', { env: 'staging', ref: '1.0.0', trigger: 'cli', requestedBy: 'a' }));
    const older = await h.worker.handle(
      h.job('deploy', { env: 'production', ref: '1.0.0', trigger: 'cli', requestedBy: 'a' }),
    );
    const newer = await h.worker.handle(
      h.job('deploy', { env: 'production', ref: '2.0.0', trigger: 'cli', requestedBy: 'a' }),
    );
    const superseded = await getDeployment(h.deps.state, older.deploymentId ?? '');
    expect(superseded).toMatchObject({ status: 'failed', error: `superseded by ${newer.deploymentId}` });
    await h.finish(h.deployer.requests[0] ?? expect.fail('no deploy'));
    expect(h.deployer.requests.map((r) => r.plan.release.version)).toEqual(['1.0.0', '2.0.0']);
  });

  it('resumes a deploy interrupted after the deployment was recorded: exactly one deployment', async () => {
    await h.worker.handle(await h.upload('1.0.0', 'tarball v1'));
    const job = h.job('deploy', { env: 'staging', trigger: 'cli', requestedBy: 'alice' });
    h.crashOnNextPack();
    await expect(h.worker.handle(job)).rejects.toThrow(/simulated crash/);
    await h.worker.handle(job); // the queue redelivers it
    expect(h.deployer.requests).toHaveLength(1);
    expect(await deploymentHistory(h.deps.state, 'hello', 'staging')).toHaveLength(1);
  });

  it('keeps the previous current release when a deployment fails', async () => {
    await h.worker.handle(await h.upload('1.0.0', 'tarball v1'));
    await h.worker.handle(await h.upload('2.0.0', 'tarball v2'));
    await h.worker.handle(h.job('deploy', { env: 'staging', ref: '1.0.0', trigger: 'cli', requestedBy: 'a' }));
    await h.finish(h.deployer.requests[0] ?? expect.fail('no deploy'));
    await h.worker.handle(h.job('deploy', { env: 'staging', ref: '2.0.0', trigger: 'cli', requestedBy: 'a' }));
    await h.finish(h.deployer.requests[1] ?? expect.fail('no deploy'), 'rolled_back');
    const [latest] = await deploymentHistory(h.deps.state, 'hello', 'staging');
    expect(latest).toMatchObject({
      status: 'rolled_back',
      error: 'health check failed',
      previousReleaseId: expect.stringMatching(/^1\.0\.0-/),
    });
    expect((await getCurrent(h.deps.state, 'hello', 'staging'))?.version).toBe('1.0.0');
  });

  it('records a rollback that ends after its deployment was recorded as failed (unordered notifications)', async () => {
    await h.worker.handle(await h.upload('1.0.0', 'tarball v1'));
    await h.worker.handle(h.job('deploy', { env: 'staging', trigger: 'cli', requestedBy: 'a' }));
    const request = h.deployer.requests[0] ?? expect.fail('no deploy');
    await h.finish(request, 'failed');
    const at = h.clock.now().toISOString();
    const late = { type: 'deployment.finished', deploymentId: request.plan.deploymentId, status: 'rolled_back', at };
    await h.worker.handle(h.job('deployer-event', { event: { ...late, error: 'rolled back by CodeDeploy' } }));
    expect(await getDeployment(h.deps.state, request.plan.deploymentId)).toMatchObject({
      status: 'rolled_back',
      error: 'rolled back by CodeDeploy',
    });
    // A late `failed` never undoes a recorded outcome.
    await h.worker.handle(h.job('deployer-event', { event: { ...late, status: 'failed', error: 'late' } }));
    expect((await getDeployment(h.deps.state, request.plan.deploymentId))?.status).toBe('rolled_back');
  });
});

describe('worker: a deployment that can never be planned', () => {
  it('fails it with the reason and frees the fleet (no host in the fleet), instead of holding it', async () => {
    const { readFileSync } = await import('node:fs');
    const { fleetHolder } = await import('../../../functions/state/fleets');
    const example = readFileSync(new URL('../../../examples/tarmac.yml', import.meta.url), 'utf8');
    const noHosts = example.replace('hosts: [h1, h2]', 'hosts: []').replace(/ec2_tags:\n\s+tarmac-fleet: web\n/, '');
    const h = workerHarness(noHosts);
    try {
      await h.worker.handle(await h.upload('1.0.0', 'tarball v1'));
      const result = await h.worker.handle(h.job('deploy', { env: 'staging', trigger: 'cli', requestedBy: 'alice' }));
      const deployment = await getDeployment(h.deps.state, result.deploymentId ?? '');
      expect(deployment?.status).toBe('failed');
      expect(deployment?.error).toContain('fleet web has no hosts');
      expect(await fleetHolder(h.deps.state, 'web')).toBeUndefined();
      expect(h.deployer.requests).toEqual([]);
    } finally {
      h.close();
    }
  });
});
