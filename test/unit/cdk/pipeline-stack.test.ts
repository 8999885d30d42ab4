import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, EXAMPLE_CONFIG } from './support';

// One synth for the whole file: every test reads the same template of examples/tarmac.yml.
let template: Template;
beforeAll(() => {
  ({ template } = buildStack(EXAMPLE_CONFIG));
});

const FUNCTIONS = ['WebhookFunction', 'WorkerFunction', 'DeployEventsFunction'];
const logicalId = (type: string, prefix: string) => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}`).toHaveLength(1);
  return ids[0] as string;
};

describe('artifacts bucket', () => {
  it('is versioned, encrypted, private, logged, expires noncurrent versions after 30 days and is retained', () => {
    const logs = logicalId('AWS::S3::Bucket', 'ArtifactsAccessLogs');
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
            Match.objectLike({ Prefix: 'tmp/', ExpirationInDays: 1 }),
            Match.objectLike({ Prefix: 'uploads/', ExpirationInDays: 14 }),
          ]),
        },
        LoggingConfiguration: { DestinationBucketName: { Ref: logs } },
      },
    });
  });

  it('refuses requests without TLS, on both buckets', () => {
    template.resourcePropertiesCountIs(
      'AWS::S3::BucketPolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      },
      2,
    );
  });
});

describe('state table', () => {
  it('has string pk/sk, on-demand billing, encryption, point-in-time recovery, TTL on expiresAt, and is retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
    });
  });
});

describe('job queue', () => {
  it('is FIFO without content-based dedup, encrypted, with a FIFO dead-letter queue after 50 receives (a backstop: the worker gives up first)', () => {
    const dlq = logicalId('AWS::SQS::Queue', 'JobsDeadLetters');
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      ContentBasedDeduplication: false,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 50 },
    });
    expect(template.findResources('AWS::SQS::Queue')[dlq]?.Properties).toMatchObject({
      FifoQueue: true,
      SqsManagedSseEnabled: true,
    });
  });

  it('hides a job for 6 × the worker timeout', () => {
    const queue = logicalId('AWS::SQS::Queue', 'JobsQueue');
    const worker = logicalId('AWS::Lambda::Function', 'WorkerFunction');
    const timeout = template.findResources('AWS::Lambda::Function')[worker]?.Properties.Timeout;
    const visibility = template.findResources('AWS::SQS::Queue')[queue]?.Properties.VisibilityTimeout;
    expect(timeout).toBe(300);
    expect(visibility).toBe(6 * timeout);
  });

  it('refuses requests without TLS on every queue', () => {
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    const protectedQueues = policies
      .filter((p) =>
        p.Properties.PolicyDocument.Statement.some(
          (s: { Effect: string; Condition?: unknown }) =>
            s.Effect === 'Deny' && JSON.stringify(s.Condition) === '{"Bool":{"aws:SecureTransport":"false"}}',
        ),
      )
      .flatMap((p) => p.Properties.Queues.map((q: { Ref: string }) => q.Ref));
    expect(protectedQueues.sort()).toEqual(queues.sort());
  });

  it('alarms as soon as one job is dead-lettered', () => {
    const dlq = logicalId('AWS::SQS::Queue', 'JobsDeadLetters');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
  });

  it('alarms as soon as the worker gives up on a job (its FailedJobs metric)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Tarmac',
      MetricName: 'FailedJobs',
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
  });
});

describe('functions', () => {
  it('run Node.js 22 on arm64 with tarmac’s resources and config in the environment', () => {
    const refs = {
      TARMAC_BUCKET: { Ref: logicalId('AWS::S3::Bucket', 'ArtifactsBucket') },
      TARMAC_TABLE: { Ref: logicalId('AWS::DynamoDB::Table', 'StateTable') },
      TARMAC_QUEUE_URL: { Ref: logicalId('AWS::SQS::Queue', 'JobsQueue') },
      TARMAC_DLQ_URL: { Ref: logicalId('AWS::SQS::Queue', 'JobsDeadLetters') },
      TARMAC_CONFIG: '/var/task/tarmac.yml',
    };
    for (const prefix of FUNCTIONS) {
      const id = logicalId('AWS::Lambda::Function', prefix);
      expect(template.findResources('AWS::Lambda::Function')[id]?.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Environment: { Variables: refs },
      });
    }
  });

  it('serve the webhook with 256 MB and a 10 s timeout behind a Function URL without AWS auth', () => {
    const webhook = logicalId('AWS::Lambda::Function', 'WebhookFunction');
    expect(template.findResources('AWS::Lambda::Function')[webhook]?.Properties).toMatchObject({
      Timeout: 10,
      MemorySize: 256,
    });
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [webhook, 'Arn'] },
    });
  });

  it('feed the worker from the job queue in batches of 10, reporting failed items', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId('AWS::SQS::Queue', 'JobsQueue'), 'Arn'] },
      FunctionName: { Ref: logicalId('AWS::Lambda::Function', 'WorkerFunction') },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('give only the deploy-events function an asynchronous dead-letter queue (the others are invoked in sync)', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    const failed = logicalId('AWS::SQS::Queue', 'DeployEventsFailedEvents');
    expect(functions[logicalId('AWS::Lambda::Function', 'DeployEventsFunction')]?.Properties.DeadLetterConfig).toEqual({
      TargetArn: { 'Fn::GetAtt': [failed, 'Arn'] },
    });
    for (const prefix of ['WebhookFunction', 'WorkerFunction']) {
      expect(functions[logicalId('AWS::Lambda::Function', prefix)]?.Properties.DeadLetterConfig).toBeUndefined();
    }
  });

  it('route CodeDeploy state changes of tarmac’s applications to the deploy-events function', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.codedeploy'],
        'detail-type': [
          'CodeDeploy Deployment State-change Notification',
          'CodeDeploy Instance State-change Notification',
        ],
        detail: { application: ['tarmac-hello'] },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId('AWS::Lambda::Function', 'DeployEventsFunction'), 'Arn'] },
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
  });
});

describe('CodeDeploy', () => {
  it('has an application tarmac-<app> and a group <app>-<env> per environment, on the fleet’s EC2 tags', () => {
    template.hasResourceProperties('AWS::CodeDeploy::Application', {
      ApplicationName: 'tarmac-hello',
      ComputePlatform: 'Server',
    });
    for (const env of ['staging', 'production']) {
      template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
        DeploymentGroupName: `hello-${env}`,
        DeploymentConfigName: 'CodeDeployDefault.OneAtATime',
        Ec2TagSet: { Ec2TagSetList: [{ Ec2TagGroup: [{ Key: 'tarmac-fleet', Value: 'web', Type: 'KEY_AND_VALUE' }] }] },
      });
    }
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 2);
  });

  it('rolls back on failure and when the dead-letter alarm fires', () => {
    template.allResourcesProperties('AWS::CodeDeploy::DeploymentGroup', {
      AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      AlarmConfiguration: {
        Enabled: true,
        Alarms: [{ Name: { Ref: logicalId('AWS::CloudWatch::Alarm', 'JobsDeadLetterAlarm') } }],
      },
    });
  });

  it('deploys with a service role carrying AWSCodeDeployRole', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'codedeploy.amazonaws.com' } })],
      },
      ManagedPolicyArns: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSCodeDeployRole']] },
      ],
    });
  });
});

describe('outputs', () => {
  it('give the webhook URLs, resource names and the commands that set the intake secrets', () => {
    const url = logicalId('AWS::Lambda::Url', 'WebhookFunctionFunctionUrl');
    for (const [id, route] of [
      ['GithubWebhookUrl', 'webhooks/github'],
      ['BuildsWebhookUrl', 'webhooks/builds'],
      ['SlackCommandsUrl', 'slack/commands'],
    ] as const) {
      template.hasOutput(id, { Value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [url, 'FunctionUrl'] }, route]] } });
    }
    template.hasOutput('ServerUrl', { Value: { 'Fn::GetAtt': [url, 'FunctionUrl'] } });
    for (const id of ['ArtifactsBucketName', 'JobQueueUrl', 'StateTableName', 'FleetPolicyWeb']) {
      template.hasOutput(id, { Value: { Ref: Match.anyValue() } });
    }
    template.hasOutput('SetSecretGithubWebhookSecret', {
      Value: 'tarmac secrets set _global github_webhook_secret --stdin --aws',
    });
    template.hasOutput('SetSecretSlackSigningSecret', {
      Value: 'tarmac secrets set _global slack_signing_secret --stdin --aws',
    });
    template.hasOutput('SetSecretBuildWebhookSecret', {
      Value: 'tarmac secrets set _global build_webhook_secret --stdin --aws',
    });
    template.hasOutput('InitSecretsCommands', {
      Value: 'tarmac secrets init hello staging --aws && tarmac secrets init hello production --aws',
    });
  });
});
