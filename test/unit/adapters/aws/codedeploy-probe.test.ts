import { CodeDeployClient, DeploymentDoesNotExistException, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CodeDeployDeployer } from '../../../../functions/adapters/aws/codedeploy-deployer';

// Request shapes only: moto's GetDeployment answers a createTime SDK v3 cannot parse, and its deployments
// stay "Created" forever, so nothing real on this machine answers a stopped or succeeded deployment.
const client = new CodeDeployClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const codedeploy = mockClient(client);
const deployer = new CodeDeployDeployer({ bucket: 'artifacts', client });
beforeEach(() => codedeploy.reset());

describe('CodeDeployDeployer.inspect (GetDeployment)', () => {
  it('asks for the deployment by its CodeDeploy id', async () => {
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'InProgress' } });
    expect(await deployer.inspect('d-ABC')).toEqual({ state: 'running', detail: 'CodeDeploy d-ABC is InProgress' });
    expect(codedeploy.commandCalls(GetDeploymentCommand)[0]?.args[0].input).toEqual({ deploymentId: 'd-ABC' });
  });

  it('says a deployment stopped by hand or failed has ended failed, with CodeDeploy’s error', async () => {
    codedeploy.on(GetDeploymentCommand).resolves({
      deploymentInfo: { status: 'Stopped', errorInformation: { code: 'ALARM_ACTIVE', message: 'stopped by user' } },
    });
    expect(await deployer.inspect('d-1')).toEqual({
      state: 'ended',
      status: 'failed',
      detail: 'CodeDeploy d-1 Stopped: stopped by user',
    });
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'Failed' } });
    expect(await deployer.inspect('d-2')).toMatchObject({ state: 'ended', status: 'failed' });
  });

  it('says a succeeded one has ended succeeded (its end event was lost)', async () => {
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'Succeeded' } });
    expect(await deployer.inspect('d-3')).toMatchObject({ state: 'ended', status: 'succeeded' });
  });

  it('says a deployment CodeDeploy does not know has ended; a failed call is unknown, never stale', async () => {
    codedeploy
      .on(GetDeploymentCommand)
      .rejectsOnce(new DeploymentDoesNotExistException({ message: 'no such deployment', $metadata: {} }))
      .rejectsOnce(new Error('Rate exceeded'));
    expect(await deployer.inspect('d-4')).toMatchObject({ state: 'ended', status: 'failed' });
    expect(await deployer.inspect('d-5')).toEqual({
      state: 'unknown',
      detail: 'CodeDeploy GetDeployment d-5 failed: Rate exceeded',
    });
  });

  it('says a failed deployment still runs while CodeDeploy’s automatic rollback of it does', async () => {
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: 'd-6' })
      .resolves({ deploymentInfo: { status: 'Failed', rollbackInfo: { rollbackDeploymentId: 'd-RB' } } });
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: 'd-RB' })
      .resolvesOnce({ deploymentInfo: { status: 'InProgress' } });
    expect(await deployer.inspect('d-6')).toEqual({
      state: 'running',
      detail: 'CodeDeploy d-6 Failed; its automatic rollback: CodeDeploy d-RB is InProgress',
    });
    codedeploy.on(GetDeploymentCommand, { deploymentId: 'd-RB' }).resolves({ deploymentInfo: { status: 'Succeeded' } });
    expect(await deployer.inspect('d-6')).toMatchObject({ state: 'ended', status: 'failed' });
  });
});
