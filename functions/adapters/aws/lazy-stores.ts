import type { ArtifactStore, JobQueue, SecretStore, StateStore, UploadUrls } from '../../ports';
import { systemClock } from '../system';
import { type AwsEnv, assertAwsEnv } from './env';
import { lazyPort } from './lazy-port';

/**
 * The same stores as {@link openAwsStores}, each built — with its SDK client — on its first call. For the
 * webhook Lambda (bundled as CommonJS, so a `require` of the SDK runs only when the module holding it does):
 * its cold start loads no SDK, and a push loads only DynamoDB, SQS and SSM, never S3 or the presigner.
 */
export function lazyAwsStores(env: AwsEnv) {
  assertAwsEnv(env);
  const region = env.AWS_REGION as string;
  const bucket = env.TARMAC_BUCKET as string;
  const kmsKeyId = env.TARMAC_KMS_KEY_ID || undefined;
  const clock = systemClock;
  let s3: Promise<import('@aws-sdk/client-s3').S3Client> | undefined;
  const s3Client = () => {
    s3 ??= import('@aws-sdk/client-s3').then(({ S3Client }) => new S3Client({ region }));
    return s3;
  };
  const state = lazyPort<StateStore>(async () => {
    const [{ DynamoDBClient }, { DynamoDBDocumentClient }, { DynamoStateStore }] = await Promise.all([
      import('@aws-sdk/client-dynamodb'),
      import('@aws-sdk/lib-dynamodb'),
      import('./dynamodb-state'),
    ]);
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region }));
    return new DynamoStateStore({ table: env.TARMAC_TABLE as string, client, clock });
  });
  const queue = lazyPort<JobQueue>(async () => {
    const [{ SQSClient }, { SqsQueue }] = await Promise.all([import('@aws-sdk/client-sqs'), import('./sqs-queue')]);
    return new SqsQueue({
      queueUrl: env.TARMAC_QUEUE_URL as string,
      ...(env.TARMAC_DLQ_URL ? { deadLetterQueueUrl: env.TARMAC_DLQ_URL } : {}),
      client: new SQSClient({ region }),
      state,
      clock,
    });
  });
  const secrets = lazyPort<SecretStore>(async () => {
    const [{ SSMClient }, { SsmSecretStore }] = await Promise.all([
      import('@aws-sdk/client-ssm'),
      import('./ssm-secrets'),
    ]);
    return new SsmSecretStore({
      client: new SSMClient({ region }),
      ...(env.TARMAC_SSM_PREFIX ? { prefix: env.TARMAC_SSM_PREFIX } : {}),
      ...(kmsKeyId ? { kmsKeyId } : {}),
    });
  });
  const artifacts = lazyPort<ArtifactStore>(async () => {
    const { S3ArtifactStore } = await import('./s3-artifacts');
    return new S3ArtifactStore({ bucket, client: await s3Client(), ...(kmsKeyId ? { kmsKeyId } : {}) });
  });
  const uploadUrls = lazyPort<UploadUrls>(async () => {
    const { S3UploadUrls } = await import('./s3-upload-urls');
    return new S3UploadUrls({ bucket, client: await s3Client() });
  });
  return { clock, state, queue, secrets, artifacts, uploadUrls };
}
