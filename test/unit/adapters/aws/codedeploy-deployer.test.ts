import {
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CodeDeployDeployer, deploymentConfigName } from '../../../../functions/adapters/aws/codedeploy-deployer';
import { TarmacError } from '../../../../functions/core/errors';
import type { DeploymentPlan } from '../../../../functions/core/plans';
import { resolveStrategy } from '../../../../functions/core/plans';
import type { DeployRequest } from '../../../../functions/ports';
import { minHealthyConfigName } from '../../../../lib/constructs/deployment-configs';

const client = new CodeDeployClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const codedeploy = mockClient(client);
beforeEach(() => codedeploy.reset());

const plan: DeploymentPlan = {
  deploymentId: '01J9Z6S8Q4V5XG0W7M2N3P4R5T',
  correlationId: 'corr-42',
  app: 'hello',
  env: 'production',
  fleet: 'web',
  release: { id: 'r-0.1.0-abc', version: '0.1.0', sha256: 'ab'.repeat(32), artifactKey: `sha256/${'ab'.repeat(32)}` },
  strategy: { type: 'one-at-a-time', minHealthyHosts: 2, batchSize: 1 },
  batches: [['i-1'], ['i-2'], ['i-3']],
  steps: ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'],
  hookEnv: {},
};
const request: DeployRequest = {
  plan,
  bundle: { key: 'bundles/hello/production/01J9Z6S8.tgz', sha256: 'cd'.repeat(32) },
  autoRollback: true,
};

describe('CodeDeployDeployer.start', () => {
  it('creates a deployment of the S3 bundle in the environment group and returns its id', async () => {
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-ABCDEF123' });
    const deployer = new CodeDeployDeployer({
      bucket: 'tarmac-artifacts',
      client,
      locateBundle: async () => ({ eTag: 'etag-1', version: 'v-7' }),
    });
    expect(await deployer.start(request)).toEqual({ externalId: 'd-ABCDEF123' });
    expect(codedeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input).toEqual({
      applicationName: 'tarmac-hello',
      deploymentGroupName: 'hello-production',
      revision: {
        revisionType: 'S3',
        s3Location: {
          bucket: 'tarmac-artifacts',
          key: 'bundles/hello/production/01J9Z6S8.tgz',
          bundleType: 'tgz',
          eTag: 'etag-1',
          version: 'v-7',
        },
      },
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      description: 'tarmac deployment 01J9Z6S8Q4V5XG0W7M2N3P4R5T release r-0.1.0-abc correlation corr-42',
      autoRollbackConfiguration: {
        enabled: true,
        events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'],
      },
    });
  });

  it('uses configured names and turns auto-rollback off when asked', async () => {
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-2' });
    const deployer = new CodeDeployDeployer({
      bucket: 'b',
      client,
      names: (app, env) => ({ application: `acme-${app}`, deploymentGroup: `${env}-group` }),
    });
    await deployer.start({ ...request, autoRollback: false });
    const input = codedeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ applicationName: 'acme-hello', deploymentGroupName: 'production-group' });
    expect(input?.autoRollbackConfiguration?.enabled).toBe(false);
    expect(input?.revision?.s3Location).toEqual({ bucket: 'b', key: request.bundle.key, bundleType: 'tgz' });
  });

  it('fails naming the missing deployment group and what to do', async () => {
    codedeploy
      .on(CreateDeploymentCommand)
      .rejects(Object.assign(new Error('No Deployment Group found'), { name: 'DeploymentGroupDoesNotExistException' }));
    const error = await new CodeDeployDeployer({ bucket: 'b', client }).start(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TarmacError);
    expect((error as Error).message).toMatch(/hello-production of tarmac-hello does not exist — add the environment/);
  });
});

describe('deploymentConfigName', () => {
  const cases = [
    [{ type: 'one-at-a-time', minHealthyHosts: 3, batchSize: 1 }, 4, 'CodeDeployDefault.OneAtATime'],
    [{ type: 'half', minHealthyHosts: 2, batchSize: 2 }, 4, 'CodeDeployDefault.HalfAtATime'],
    [{ type: 'half', minHealthyHosts: 3, batchSize: 2 }, 5, 'CodeDeployDefault.HalfAtATime'],
    [{ type: 'all', minHealthyHosts: 0, batchSize: 4 }, 4, 'CodeDeployDefault.AllAtOnce'],
    [{ type: 'one-at-a-time', minHealthyHosts: 1, batchSize: 3 }, 4, 'tarmac-min-healthy-1'],
    [{ type: 'half', minHealthyHosts: 3, batchSize: 1 }, 4, 'tarmac-min-healthy-3'],
  ] as const;
  it.each(cases)('%o on %i hosts → %s', (strategy, hosts, name) => {
    expect(deploymentConfigName(strategy, hosts)).toBe(name);
  });

  it('names a configured min_healthy_hosts exactly as the CDK stack names the config it creates', () => {
    for (const configured of [2, 0, '50%', '100%']) {
      const strategy = { ...resolveStrategy({ type: 'one-at-a-time', min_healthy_hosts: configured }, 4) };
      expect(deploymentConfigName(strategy, 4)).toBe(minHealthyConfigName(configured));
    }
    for (const type of ['one-at-a-time', 'half', 'all'] as const) {
      expect(deploymentConfigName(resolveStrategy(type, 5), 5)).toMatch(/^CodeDeployDefault\./);
    }
  });
});

describe('CodeDeployDeployer.hostResults', () => {
  it('pages through targets and maps instance lifecycle events, with log tails', async () => {
    codedeploy
      .on(ListDeploymentTargetsCommand)
      .resolvesOnce({ targetIds: ['i-1'], nextToken: 't2' })
      .resolvesOnce({ targetIds: ['i-2'] });
    const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, s));
    codedeploy.on(BatchGetDeploymentTargetsCommand).resolves({
      deploymentTargets: [
        {
          deploymentTargetType: 'InstanceTarget',
          instanceTarget: {
            targetId: 'i-1',
            status: 'Failed',
            lifecycleEvents: [
              { lifecycleEventName: 'ApplicationStop', status: 'Succeeded', startTime: at(1), endTime: at(2) },
              { lifecycleEventName: 'DownloadBundle', status: 'Succeeded' },
              {
                lifecycleEventName: 'BeforeInstall',
                status: 'Failed',
                startTime: at(3),
                endTime: at(9),
                diagnostics: {
                  errorCode: 'ScriptFailed',
                  scriptName: 'hooks/before_install',
                  logTail: 'migration failed',
                },
              },
              { lifecycleEventName: 'AfterInstall', status: 'Pending' },
            ],
          },
        },
        {
          deploymentTargetType: 'InstanceTarget',
          instanceTarget: { targetId: 'i-2', status: 'Skipped', lifecycleEvents: [] },
        },
      ],
    });
    const hosts = await new CodeDeployDeployer({ bucket: 'b', client }).hostResults('d-1');
    expect(codedeploy.commandCalls(ListDeploymentTargetsCommand).map((c) => c.args[0].input)).toEqual([
      { deploymentId: 'd-1' },
      { deploymentId: 'd-1', nextToken: 't2' },
    ]);
    expect(codedeploy.commandCalls(BatchGetDeploymentTargetsCommand)[0]?.args[0].input).toEqual({
      deploymentId: 'd-1',
      targetIds: ['i-1', 'i-2'],
    });
    expect(hosts).toEqual([
      {
        host: 'i-1',
        status: 'failed',
        events: [
          {
            event: 'ApplicationStop',
            status: 'succeeded',
            startedAt: at(1).toISOString(),
            endedAt: at(2).toISOString(),
          },
          {
            event: 'BeforeInstall',
            status: 'failed',
            startedAt: at(3).toISOString(),
            endedAt: at(9).toISOString(),
            tail: 'migration failed',
          },
        ],
      },
      { host: 'i-2', status: 'skipped', events: [] },
    ]);
  });
});

describe('CodeDeployDeployer.describe', () => {
  it('reads who created a deployment and its rollback links from GetDeployment', async () => {
    codedeploy.on(GetDeploymentCommand, { deploymentId: 'd-ROLLBACK9' }).resolves({
      deploymentInfo: {
        deploymentId: 'd-ROLLBACK9',
        status: 'InProgress',
        creator: 'codeDeployRollback',
        rollbackInfo: { rollbackTriggeringDeploymentId: 'd-1', rollbackMessage: 'rolling back' },
      },
    });
    expect(await new CodeDeployDeployer({ bucket: 'b', client }).describe('d-ROLLBACK9')).toEqual({
      status: 'InProgress',
      creator: 'codeDeployRollback',
      rollbackTriggeringDeploymentId: 'd-1',
      rollbackMessage: 'rolling back',
    });
  });

  it('leaves out what GetDeployment does not say (a deployment never rolled back)', async () => {
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'Succeeded', creator: 'user' } });
    expect(await new CodeDeployDeployer({ bucket: 'b', client }).describe('d-1')).toEqual({
      status: 'Succeeded',
      creator: 'user',
    });
  });
});
