import {
  CodeDeployClient,
  DeploymentAlreadyCompletedException,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CodeDeployDeployer } from '../../../../functions/adapters/aws/codedeploy-deployer';

// Request shapes only: moto has no StopDeployment that stops anything, and no agent to roll back.
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

  it('says not-running for a deployment CodeDeploy already finished, and rethrows anything else', async () => {
    codedeploy
      .on(StopDeploymentCommand)
      .rejects(new DeploymentAlreadyCompletedException({ message: 'already completed', $metadata: {} }));
    expect(await deployer.stop('d-1')).toBe('not-running');
    codedeploy.on(StopDeploymentCommand).rejects(new Error('throttled'));
    await expect(deployer.stop('d-2')).rejects.toThrow('throttled');
  });
});
