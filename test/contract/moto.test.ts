import { crc32 } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStateStore } from '../../functions/adapters/aws/dynamodb-state';
import { S3ArtifactStore } from '../../functions/adapters/aws/s3-artifacts';
import { SqsQueue } from '../../functions/adapters/aws/sqs-queue';
import { SsmSecretStore } from '../../functions/adapters/aws/ssm-secrets';
import { FakeClock } from '../support/fake-clock';
import { type RunningMoto, startMoto } from '../support/moto';
import { createStateTable } from '../support/state-table';
import { artifactsContract } from './artifacts.contract';
import { queueContract } from './queue.contract';
import { secretsContract } from './secrets.contract';
import { stateContract } from './state.contract';

// The AWS adapters against moto (the AWS API emulator, one server for this file on a random loopback port):
// SQS FIFO with a redrive policy, DynamoDB, S3 (real multipart uploads) and SSM Parameter Store. Each test
// gets its own queue, table, bucket or parameter prefix. moto's clock cannot be moved, so the queue suite
// waits for short real timeouts instead (about 15 s in all); where moto departs from what AWS documents,
// only that assertion is skipped (see `departures`), with AWS's words.
let moto: RunningMoto;
let sqs: SQSClient;
let dynamo: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let s3: S3Client;
let ssm: SSMClient;
let fresh = 0;

beforeAll(async () => {
  moto = await startMoto();
  sqs = new SQSClient(moto.clientConfig);
  dynamo = new DynamoDBClient(moto.clientConfig);
  documents = DynamoDBDocumentClient.from(dynamo);
  // Reads without the SDK's response checksum check (WHEN_REQUIRED): moto answers a multipart object with its
  // composite CRC32 but without the `-<parts>` suffix real S3 adds (see the test at the end), so the SDK takes
  // it for a whole-object checksum and fails the read. Real S3 needs no such setting (see that test).
  s3 = new S3Client({ ...moto.clientConfig, forcePathStyle: true, responseChecksumValidation: 'WHEN_REQUIRED' });
  ssm = new SSMClient(moto.clientConfig);
}, 60_000);

afterAll(async () => {
  for (const client of [sqs, dynamo, s3, ssm]) client?.destroy();
  await moto?.stop();
});

async function createTable(): Promise<string> {
  return createStateTable(dynamo, `state-${++fresh}`);
}

const MAX_RECEIVES = 5;

async function createQueues(): Promise<{ queueUrl: string; deadLetterQueueUrl: string }> {
  const name = `jobs-${++fresh}`;
  const fifo = { FifoQueue: 'true', ContentBasedDeduplication: 'false' };
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq.fifo`, Attributes: fifo }));
  const deadLetterQueueUrl = dlq.QueueUrl as string;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const redrive = { deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: MAX_RECEIVES };
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${name}.fifo`,
      Attributes: { ...fifo, VisibilityTimeout: '30', RedrivePolicy: JSON.stringify(redrive) },
    }),
  );
  return { queueUrl: queue.QueueUrl as string, deadLetterQueueUrl };
}

queueContract(
  'SqsQueue on moto (SQS FIFO)',
  async () => {
    const urls = await createQueues();
    // The state store keeps the failure reasons SQS does not (fail → deadLetters).
    const state = new DynamoStateStore({ table: await createTable(), client: documents });
    return { queue: new SqsQueue({ ...urls, client: sqs, state }), teardown: async () => {} };
  },
  {
    maxReceives: MAX_RECEIVES,
    departures: {
      // AWS: "Amazon SQS continues tracking the deduplication ID even after the message has been received and
      // deleted." (SQS Developer Guide, FIFO key terms). moto forgets it once the message is deleted.
      'dedup-after-delete': 'moto 5.2.1 forgets a deduplication id when its message is deleted',
      // AWS: "any messages sent with the same MessageDeduplicationId are accepted successfully but aren't
      // delivered during the 5-minute deduplication interval" (SendMessage). moto delivers one copy, as AWS
      // does, but answers the duplicate with a new MessageId; AWS answers with the first message's.
      'duplicate-send-id': 'moto 5.2.1 answers a deduplicated send with a new MessageId',
    },
  },
);

stateContract('DynamoStateStore on moto (DynamoDB)', async () => {
  const clock = new FakeClock();
  const state = new DynamoStateStore({ table: await createTable(), client: documents, clock });
  return { state, clock, teardown: async () => {} };
});

artifactsContract(
  'S3ArtifactStore on moto (S3)',
  async () => {
    const bucket = `artifacts-${++fresh}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // 5 MiB parts (S3's minimum) so the suite's 6 MiB body goes through a real multipart upload.
    const artifacts = new S3ArtifactStore({ bucket, client: s3, partSize: 5 * 1024 * 1024 });
    return { artifacts, bucket, teardown: async () => {} };
  },
  {
    // Every object, and every part of an unfinished multipart upload (moto implements ListMultipartUploads).
    listEverything: async ({ bucket }) => {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      const parts = (uploads.Uploads ?? []).map((u) => `(multipart upload) ${u.Key}`);
      return [...(listed.Contents ?? []).map((o) => o.Key ?? ''), ...parts].sort();
    },
  },
);

secretsContract('SsmSecretStore on moto (SSM Parameter Store)', async () => {
  return { secrets: new SsmSecretStore({ client: ssm, prefix: `/tarmac-${++fresh}` }), teardown: async () => {} };
});

describe('S3 on moto, beyond the contract', () => {
  // AWS (S3 User Guide, "Checking object integrity"): a multipart object's composite checksum is a checksum of
  // its parts' checksums, returned as "<checksum>-<number of parts>"; the SDK skips validating such a value
  // (aws-sdk-js-v3 #5032, fixed by #5345: "If GetObject response has checksum value ending with -# … clients
  // MUST skip checksum validation"). moto 5.2.1 returns the composite value without the suffix, so a client
  // with the default WHEN_SUPPORTED validation fails on the read ("Checksum mismatch … x-amz-checksum-crc32").
  // This test pins that departure: when moto adds the suffix it fails, and the WHEN_REQUIRED above can go.
  it('returns the composite CRC32 of a multipart object without the -<parts> suffix S3 adds', async () => {
    const bucket = `artifacts-${++fresh}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const part = 5 * 1024 * 1024;
    const body = Buffer.alloc(part + 1024, 7);
    const artifacts = new S3ArtifactStore({ bucket, client: s3, partSize: part });
    const stored = await artifacts.put(
      (async function* () {
        yield body;
      })(),
      { key: 'multipart.bin' },
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: stored.key, ChecksumMode: 'ENABLED' }));
    const b64 = (n: number) => Buffer.from(Uint32Array.of(n).buffer).reverse().toString('base64');
    const parts = [body.subarray(0, part), body.subarray(part)].map((p) => Buffer.from(b64(crc32(p)), 'base64'));
    expect(head.ChecksumCRC32).toBe(b64(crc32(Buffer.concat(parts)))); // composite, as S3 computes it…
    expect(head.ChecksumCRC32).not.toMatch(/-\d+$/); // …but without S3's "-2"
    expect(head.ChecksumCRC32).not.toBe(b64(crc32(body))); // and not a whole-object CRC32 either
  });
});
