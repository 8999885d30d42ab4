/**
 * Lambda entry of the intake (Function URL / HTTP API v2): a composition root. Adapters are built once per
 * cold start from the stack's environment and the bundled tarmac.yml; only the SDK clients the intake uses
 * are loaded (no CodeDeploy), to keep the cold path small.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { handle } from 'hono/aws-lambda';
import { DynamoStateStore } from '../adapters/aws/dynamodb-state';
import { S3ArtifactStore } from '../adapters/aws/s3-artifacts';
import { S3UploadUrls } from '../adapters/aws/s3-upload-urls';
import { SqsQueue } from '../adapters/aws/sqs-queue';
import { SsmSecretStore } from '../adapters/aws/ssm-secrets';
import { randomIds, systemClock } from '../adapters/system';
import { parseConfig } from '../core/config/parse';
import { TarmacError } from '../core/errors';
import { createApp } from '../http/app';
import { stateReadApi } from '../http/state-read-api';
import { createLogger } from '../log';

const env = process.env;
const required = ['TARMAC_BUCKET', 'TARMAC_TABLE', 'TARMAC_QUEUE_URL', 'AWS_REGION'] as const;
const missing = required.filter((name) => !env[name]);
if (missing.length > 0) {
  throw new TarmacError(`missing environment: ${missing.join(', ')} — the tarmac stack sets them`, { missing });
}
const region = env.AWS_REGION as string;
const bucket = env.TARMAC_BUCKET as string;
const kmsKeyId = env.TARMAC_KMS_KEY_ID || undefined;
const configFile = env.TARMAC_CONFIG ?? new URL('./tarmac.yml', import.meta.url).pathname;

const s3 = new S3Client({ region });
const state = new DynamoStateStore({
  table: env.TARMAC_TABLE as string,
  client: DynamoDBDocumentClient.from(new DynamoDBClient({ region })),
  clock: systemClock,
});

const secrets = new SsmSecretStore({
  client: new SSMClient({ region }),
  ...(env.TARMAC_SSM_PREFIX ? { prefix: env.TARMAC_SSM_PREFIX } : {}),
});
// A Function URL is public: without a configured token (`tarmac secrets set _global dashboard_token --aws`)
// the dashboard is closed with a random token nobody knows, rather than open to the internet.
const dashboardToken = (await secrets.get('_global', 'dashboard_token')) ?? randomBytes(32).toString('hex');

const app = createApp({
  config: parseConfig(readFileSync(configFile, 'utf8'), configFile),
  queue: new SqsQueue({ queueUrl: env.TARMAC_QUEUE_URL as string, client: new SQSClient({ region }) }),
  state,
  secrets,
  dashboardToken,
  artifacts: new S3ArtifactStore({ bucket, client: s3, ...(kmsKeyId ? { kmsKeyId } : {}) }),
  uploadUrls: new S3UploadUrls({ bucket, client: s3 }),
  clock: systemClock,
  ids: randomIds(),
  logger: createLogger({ name: 'tarmac-webhook', destination: process.stdout }),
  // A Lambda request body is at most 6 MB; bigger tarballs go through the presigned URL.
  limits: { maxArtifactBytes: 6 * 1024 * 1024 },
  readApi: stateReadApi(state),
});

export const handler = handle(app);
