import {
  CodeDeployClient,
  DeploymentAlreadyCompletedException,
  DeploymentDoesNotExistException,
  GetDeploymentCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CodeDeployDeployer } from '../../../../functions/adapters/aws/codedeploy-deployer';

// Request shapes and answers; what a stop does to hosts is test/aws/pipeline.test.ts (the CodeDeploy stand-in).
const client = new CodeDeployClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const codedeploy = mockClient(client);
const deployer = new CodeDeployDeployer({ bucket: 'artifacts', client });
beforeEach(() => codedeploy.reset());

describe('CodeDeployDeployer.stop (tarmac abort on AWS)', () => {
  it('stops the deployment with CodeDeploy rolling the touched instances back', async () => {
    codedeploy.on(StopDeploymentCommand).resolves({ status: 'Pending', statusMessage: 'stopping' });
    expect(await deployer.stop('d-ABC')).toBe('stopping');
    expect(codedeploy.commandCalls(StopDeploymentCommand)[0]?.args[0].input).toEqual({
      deploymentId: 'd-ABC',
      autoRollbackEnabled: true,
    });
  });

  it('stops without a rollback when asked to (a forced fleet free)', async () => {
    codedeploy.on(StopDeploymentCommand).resolves({ status: 'Pending' });
    expect(await deployer.stop('d-F', 'freed', { rollback: false })).toBe('stopping');
    expect(codedeploy.commandCalls(StopDeploymentCommand)[0]?.args[0].input).toEqual({
      deploymentId: 'd-F',
      autoRollbackEnabled: false,
    });
  });

  it('asks CodeDeploy about a deployment it already completed: succeeded, rolling back, or ended', async () => {
    const completed = new DeploymentAlreadyCompletedException({ message: 'already completed', $metadata: {} });
    codedeploy.on(StopDeploymentCommand).rejects(completed);
    const info = (id: string, status: string, rollbackDeploymentId?: string) =>
      codedeploy.on(GetDeploymentCommand, { deploymentId: id }).resolves({
        deploymentInfo: {
          status: status as never,
          ...(rollbackDeploymentId ? { rollbackInfo: { rollbackDeploymentId } } : {}),
        },
      });
    info('d-ok', 'Succeeded');
    info('d-failed', 'Failed', 'd-rb-running');
    info('d-rb-running', 'InProgress');
    info('d-failed-2', 'Failed', 'd-rb-done');
    info('d-rb-done', 'Succeeded');
    info('d-stopped', 'Stopped');
    expect(await deployer.stop('d-ok')).toBe('succeeded');
    expect(await deployer.stop('d-failed')).toBe('rolling-back');
    expect(await deployer.stop('d-failed-2')).toBe('not-running');
    expect(await deployer.stop('d-stopped')).toBe('not-running');
  });

  it('says not-running for a deployment CodeDeploy never knew, and rethrows anything else', async () => {
    codedeploy
      .on(StopDeploymentCommand)
      .rejects(new DeploymentDoesNotExistException({ message: 'no such deployment', $metadata: {} }));
    expect(await deployer.stop('d-1')).toBe('not-running');
    codedeploy.on(StopDeploymentCommand).rejects(new Error('throttled'));
    await expect(deployer.stop('d-2')).rejects.toThrow('throttled');
  });
});
