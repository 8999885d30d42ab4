import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../ports';
import { systemClock } from '../system';
import { DynamoStateStore } from './dynamodb-state';
import { type AwsEnv, assertAwsEnv } from './env';
import { S3ArtifactStore } from './s3-artifacts';
import { S3UploadUrls } from './s3-upload-urls';
import { SqsQueue } from './sqs-queue';
import { SsmSecretStore } from './ssm-secrets';

/** Clients to use instead of new ones (tests, or a caller that tunes them). */
export interface AwsStoreClients {
  readonly s3?: S3Client;
  readonly dynamo?: DynamoDBDocumentClient;
  readonly sqs?: SQSClient;
  readonly ssm?: SSMClient;
  readonly clock?: Clock;
}

/**
 * The stores every function shares (S3, DynamoDB, SQS, SSM), from the stack's environment variables —
 * without the CodeDeploy client, so the intake's cold start does not load it. Throws naming every missing
 * variable rather than failing later on the first call that needs one. {@link openAwsAdapters} adds the
 * deployer.
 */
export function openAwsStores(env: AwsEnv, clients: AwsStoreClients = {}) {
  assertAwsEnv(env);
  const region = env.AWS_REGION as string;
  const bucket = env.TARMAC_BUCKET as string;
  const kmsKeyId = env.TARMAC_KMS_KEY_ID || undefined;
  const clock = clients.clock ?? systemClock;
  const s3 = clients.s3 ?? new S3Client({ region });
  const state = new DynamoStateStore({
    table: env.TARMAC_TABLE as string,
    client: clients.dynamo ?? DynamoDBDocumentClient.from(new DynamoDBClient({ region })),
    clock,
  });
  return {
    clock,
    artifacts: new S3ArtifactStore({ bucket, client: s3, ...(kmsKeyId ? { kmsKeyId } : {}) }),
    uploadUrls: new S3UploadUrls({ bucket, client: s3 }),
    state,
    queue: new SqsQueue({
      queueUrl: env.TARMAC_QUEUE_URL as string,
      ...(env.TARMAC_DLQ_URL ? { deadLetterQueueUrl: env.TARMAC_DLQ_URL } : {}),
      client: clients.sqs ?? new SQSClient({ region }),
      state,
      clock,
    }),
    secrets: new SsmSecretStore({
      client: clients.ssm ?? new SSMClient({ region }),
      ...(env.TARMAC_SSM_PREFIX ? { prefix: env.TARMAC_SSM_PREFIX } : {}),
      ...(kmsKeyId ? { kmsKeyId } : {}),
    }),
  };
}

export { type AwsEnv, assertAwsEnv, REQUIRED_AWS_ENV } from './env';
