import { CodeDeployClient, CreateApplicationCommand, CreateDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { defaultCodeDeployNames } from '../../functions/adapters/aws/codedeploy-deployer';
import { SsmSecretStore } from '../../functions/adapters/aws/ssm-secrets';
import { CANARY_TAG, canaryGroupName, canaryOf } from '../../functions/core/canary';
import { allInstances } from '../../functions/core/config';
import type { TarmacConfig } from '../../functions/core/config/schema';
import { initInstanceSecrets } from '../../functions/state/secrets';
import { SECRETS } from './http-harness';
import type { RunningMoto } from './moto';
import { createStateTable } from './state-table';

/** The resources of one tarmac stack, created on moto as lib/pipeline-stack.ts creates them on AWS. */
export interface MotoStack {
  readonly bucket: string;
  readonly table: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueUrl: string;
  /** The environment the stack gives every function (lib/pipeline-stack.ts `environment`). */
  readonly functionEnv: Record<string, string>;
}

/**
 * Versioned bucket, `pk`/`sk` table with TTL, FIFO job queue with a FIFO DLQ after `maxReceiveCount`
 * receives, a CodeDeploy application per app and a deployment group per environment targeting the fleet's
 * `ec2_tags` (one tag set per tag: instances need all of them), and the secrets an operator sets. The
 * redrive limit is the stack's (50: a backstop, the worker gives up after its own attempts).
 * `visibilityTimeoutSec` is short here (the stack's is 6 × the worker timeout) so a retried job comes back soon.
 */
export async function createMotoStack(
  moto: RunningMoto,
  config: TarmacConfig,
  options: { visibilityTimeoutSec: number; maxReceiveCount?: number },
): Promise<MotoStack> {
  const c = moto.clientConfig;
  const [s3, dynamo, sqs, codeDeploy] = [
    new S3Client(c),
    new DynamoDBClient(c),
    new SQSClient(c),
    new CodeDeployClient(c),
  ];
  const bucket = 'tarmac-artifacts';
  const table = 'tarmac-state';
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await createStateTable(dynamo, table);
  await dynamo.send(
    new UpdateTimeToLiveCommand({
      TableName: table,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    }),
  );
  const fifo = { FifoQueue: 'true', ContentBasedDeduplication: 'false' };
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'tarmac-jobs-dlq.fifo', Attributes: fifo }));
  const dlqArn = await queueArn(sqs, dlq.QueueUrl as string);
  const jobs = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'tarmac-jobs.fifo',
      Attributes: {
        ...fifo,
        VisibilityTimeout: String(options.visibilityTimeoutSec),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: options.maxReceiveCount ?? 50 }),
      },
    }),
  );
  for (const [app, appConfig] of Object.entries(config.apps)) {
    const tags = Object.entries(config.fleets[appConfig.fleet]?.ec2_tags ?? {});
    const { application } = defaultCodeDeployNames(app, '');
    await codeDeploy.send(new CreateApplicationCommand({ applicationName: application, computePlatform: 'Server' }));
    for (const env of Object.keys(appConfig.environments)) {
      await codeDeploy.send(
        new CreateDeploymentGroupCommand({
          applicationName: application,
          deploymentGroupName: defaultCodeDeployNames(app, env).deploymentGroup,
          serviceRoleArn: 'arn:aws:iam::123456789012:role/tarmac-codedeploy',
          ec2TagSet: { ec2TagSetList: tags.map(([Key, Value]) => [{ Key, Value, Type: 'KEY_AND_VALUE' }]) },
          autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
        }),
      );
      // A canary strategy: the stack's second group, the fleet's tags and tarmac-canary=true.
      if (!canaryOf(appConfig.strategy)) continue;
      const canaryTags = [...tags, [CANARY_TAG.key, CANARY_TAG.value]];
      await codeDeploy.send(
        new CreateDeploymentGroupCommand({
          applicationName: application,
          deploymentGroupName: canaryGroupName(app, env),
          serviceRoleArn: 'arn:aws:iam::123456789012:role/tarmac-codedeploy',
          ec2TagSet: { ec2TagSetList: canaryTags.map(([Key, Value]) => [{ Key, Value, Type: 'KEY_AND_VALUE' }]) },
          autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
        }),
      );
    }
  }
  const ssm = new SSMClient(c);
  await provisionSsmSecrets(new SsmSecretStore({ client: ssm }), config);
  const stack = { bucket, table, queueUrl: jobs.QueueUrl as string, deadLetterQueueUrl: dlq.QueueUrl as string };
  const arn = await queueArn(sqs, stack.queueUrl);
  for (const client of [s3, dynamo, sqs, codeDeploy, ssm]) client.destroy();
  return {
    ...stack,
    queueArn: arn,
    functionEnv: {
      TARMAC_BUCKET: bucket,
      TARMAC_TABLE: table,
      TARMAC_QUEUE_URL: stack.queueUrl,
      TARMAC_DLQ_URL: stack.deadLetterQueueUrl,
    },
  };
}

/** The intake secrets and every instance's secrets, as README "Set the secrets" has an operator do. */
async function provisionSsmSecrets(secrets: SsmSecretStore, config: TarmacConfig): Promise<void> {
  for (const [name, value] of Object.entries(SECRETS)) await secrets.set('_global', name, value);
  for (const instance of allInstances(config)) {
    await initInstanceSecrets(secrets, instance.secretScope);
    await secrets.set(instance.secretScope, 'database_password', `pw-${instance.secretScope.replace('/', '-')}`);
  }
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return Attributes?.QueueArn as string;
}
