import { Duration } from 'aws-cdk-lib';
import type { IServerDeploymentConfig, IServerDeploymentGroup, ServerApplication } from 'aws-cdk-lib/aws-codedeploy';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { GLOBAL_SCOPE } from '../../functions/core/secrets';
import { ValidationError } from '../errors';
import { acknowledgeWildcardResources } from './nag';
import { kmsViaSsm, readObjects, readSecrets, runCommandStatements, writeObjects, writeSecrets } from './statements';
import { baseOf, type TarmacFunctionBase, tarmacFunction } from './tarmac-function';

/** SQS FIFO event sources take at most 10 messages per batch. */
const MAX_FIFO_BATCH = 10;

export interface WorkerProps extends TarmacFunctionBase {
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly table: ITable;
  readonly bucket: IBucket;
  /** Secret scopes of every instance (`<app>/<env>`): the worker reads them and creates generated ones. */
  readonly secretScopes: readonly string[];
  readonly applications: readonly ServerApplication[];
  readonly deploymentGroups: readonly IServerDeploymentGroup[];
  readonly deploymentConfigs: readonly IServerDeploymentConfig[];
  /** Must match the timeout the job queue was sized for. @default Duration.minutes(5) */
  readonly timeout?: Duration;
  /** Tarball validation hashes and unpacks headers in memory. @default 1024 */
  readonly memorySize?: number;
  /** Each fleet's `ec2_tags`: maintenance commands may go only to instances carrying all of one fleet's tags. @default [] */
  readonly fleetTags?: readonly Readonly<Record<string, string>>[];
  /** Jobs per invocation (FIFO: at most 10). @default 10 */
  readonly batchSize?: number;
}

/**
 * The worker: consumes the job queue (partial batch failures reported, so one bad job does not redeliver its
 * batch), stores artifacts, keeps secrets and starts CodeDeploy deployments.
 */
export class Worker extends Construct {
  readonly function: IFunction;

  constructor(scope: Construct, id: string, props: WorkerProps) {
    super(scope, id);
    const batchSize = props.batchSize ?? MAX_FIFO_BATCH;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_FIFO_BATCH) {
      throw new ValidationError(
        `worker batchSize must be an integer from 1 to ${MAX_FIFO_BATCH} (given ${batchSize}) for a FIFO queue`,
        this,
      );
    }
    const fn = tarmacFunction(this, 'Function', {
      ...baseOf(props),
      entry: 'functions/handlers/worker.ts',
      description: 'tarmac worker: ingest, deploy, rollback, promote, locks, deployer events',
      timeout: props.timeout ?? Duration.minutes(5),
      memorySize: props.memorySize ?? 1024,
      // The bundle renderer reads its templates beside the code (functions/bundle/templates.ts).
      copyDirectories: [{ from: 'functions/bundle/templates', to: 'templates' }],
    });
    fn.addEventSource(new SqsEventSource(props.queue, { batchSize, reportBatchItemFailures: true }));
    props.queue.grantSendMessages(fn);
    props.deadLetterQueue.grantConsumeMessages(fn);
    props.table.grantReadWriteData(fn);
    // HEAD on a missing key answers 404 (not 403) only with ListBucket; tarmac relies on "not found".
    const listBucket = new PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn] });
    const statements = [
      readObjects(props.bucket, ['']),
      writeObjects(props.bucket, ['']),
      listBucket,
      readSecrets(this, [GLOBAL_SCOPE, ...props.secretScopes]),
      writeSecrets(this, props.secretScopes),
      kmsViaSsm(this, ['kms:Decrypt', 'kms:Encrypt']),
      ...codeDeployStatements(props),
      ...runCommandStatements(this, props.fleetTags ?? []),
    ];
    for (const statement of statements) fn.addToRolePolicy(statement);
    acknowledgeWildcardResources(
      fn,
      statements,
      'The worker owns the artifacts bucket (uploads, releases and bundles under keys made at run time) and the ' +
        'secrets under its instances’ paths; KMS keys are usable only through SSM (kms:ViaService).',
    );
    this.function = fn;
  }
}

/** Start, watch and stop deployments of tarmac's groups only, with the configs those groups use. */
function codeDeployStatements(props: WorkerProps): PolicyStatement[] {
  return [
    new PolicyStatement({
      actions: ['codedeploy:RegisterApplicationRevision', 'codedeploy:GetApplicationRevision'],
      resources: props.applications.map((a) => a.applicationArn),
    }),
    new PolicyStatement({
      actions: [
        'codedeploy:CreateDeployment',
        'codedeploy:GetDeployment',
        'codedeploy:StopDeployment',
        'codedeploy:ListDeploymentTargets',
        'codedeploy:BatchGetDeploymentTargets',
        'codedeploy:GetDeploymentTarget',
      ],
      resources: props.deploymentGroups.map((g) => g.deploymentGroupArn),
    }),
    new PolicyStatement({
      actions: ['codedeploy:GetDeploymentConfig'],
      resources: props.deploymentConfigs.map((c) => c.deploymentConfigArn),
    }),
  ];
}
