import { CodeDeployClient, CreateDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodeDeployDeployer } from '../../../functions/adapters/aws/codedeploy-deployer';
import { type CodeDeployNotification, mapCodeDeployEvent } from '../../../functions/adapters/aws/eventbridge';
import { getDeployment } from '../../../functions/state/deployments';
import deploymentFixture from '../../fixtures/aws/codedeploy-deployment-state-change.json';
import { workerHarness } from '../../support/worker-harness';
import { example } from '../core/config-errors';

// AWS mode of the canary strategy: CodeDeploy has no canary for in-place EC2 deployments, so tarmac deploys
// through the environment's canary group (<app>-<env>.canary: the fleet's tags + tarmac-canary=true, all at
// once, ValidateService bakes), and starts the rest through the environment's own group when CodeDeploy says
// the canary's deployment succeeded.
const CANARY = example
  .replace('strategy: one-at-a-time', 'strategy: { type: canary, hosts: 1, bake: 120, rest: half }')
  .replace('    hosts: [h1, h2]\n', '');

const client = new CodeDeployClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const codedeploy = mockClient(client);

describe('canary on CodeDeploy', () => {
  let h: ReturnType<typeof workerHarness>;
  beforeEach(() => {
    h = workerHarness(CANARY);
    codedeploy.reset();
  });
  afterEach(() => h.close());

  async function deployed() {
    await h.worker.handle(await h.upload('1.0.0', 'tarball v1'));
    const result = await h.worker.handle(h.job('deploy', { env: 'staging', trigger: 'cli', requestedBy: 'alice' }));
    return result.deploymentId ?? expect.fail('no deployment');
  }

  it('creates the canary deployment in the canary group, all at once, and the rest in the environment group', async () => {
    await deployed();
    const request = h.deployer.requests[0] ?? expect.fail('no request');
    codedeploy
      .on(CreateDeploymentCommand)
      .resolvesOnce({ deploymentId: 'd-CANARY' })
      .resolves({ deploymentId: 'd-REST' });
    const deployer = new CodeDeployDeployer({ bucket: 'b', client });
    expect(await deployer.start(request)).toEqual({ externalId: 'd-CANARY' });
    await deployer.start({ ...request, phase: 'rest' });
    const [canary, rest] = codedeploy.commandCalls(CreateDeploymentCommand).map((c) => c.args[0].input);
    expect(canary).toMatchObject({
      deploymentGroupName: 'hello-staging.canary',
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
    });
    expect(rest).toMatchObject({
      deploymentGroupName: 'hello-staging',
      deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
    });
    expect(rest?.revision).toEqual(canary?.revision);
  });

  it('maps the canary group’s SUCCESS to canary.passed, not to the end of the deployment', async () => {
    const input: CodeDeployNotification = {
      ...deploymentFixture,
      detail: { ...deploymentFixture.detail, state: 'SUCCESS', deploymentGroup: 'hello-staging.canary' },
    };
    const mapped = await mapCodeDeployEvent(input, {
      resolve: async () => '01JDEPLOY',
      describe: async () => ({}),
    });
    expect(mapped?.events).toEqual([
      {
        type: 'canary.passed',
        deploymentId: '01JDEPLOY',
        externalId: deploymentFixture.detail.deploymentId,
        at: new Date(deploymentFixture.time).toISOString(),
      },
    ]);
  });

  it('starts the rest once on canary.passed, then finishes on the rest’s own end', async () => {
    const id = await deployed();
    expect(h.deployer.requests.map((r) => r.phase)).toEqual([undefined]);
    const passed = { type: 'canary.passed', deploymentId: id, externalId: 'ext-1', at: h.clock.now().toISOString() };
    for (let i = 0; i < 2; i++) {
      await h.worker.handle(h.job('deployer-event', { event: passed }));
    }
    expect(h.deployer.requests.map((r) => r.phase)).toEqual([undefined, 'rest']);
    expect(h.deployer.requests[1]?.bundle.key).toBe(h.deployer.requests[0]?.bundle.key);
    const running = await getDeployment(h.deps.state, id);
    expect(running).toMatchObject({ status: 'in_progress', externalId: 'ext-2' });
    const finished = { type: 'deployment.finished', deploymentId: id, status: 'succeeded', at: passed.at };
    await h.worker.handle(h.job('deployer-event', { event: finished }));
    expect((await getDeployment(h.deps.state, id))?.status).toBe('succeeded');
  });

  it('fails the deployment, saying where each host stands, when the rest cannot start', async () => {
    const id = await deployed();
    h.deployer.start = async () => {
      throw new Error('deployment group hello-staging already has a deployment in progress — wait for it');
    };
    const passed = { type: 'canary.passed', deploymentId: id, externalId: 'ext-1', at: h.clock.now().toISOString() };
    await h.worker.handle(h.job('deployer-event', { event: passed }));
    const failed = await getDeployment(h.deps.state, id);
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatch(/canary passed, but the rest could not start: .* the canary hosts serve 1\.0\.0/);
  });
});
