import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStateStore } from '../../functions/adapters/aws/dynamodb-state';
import { S3ArtifactStore } from '../../functions/adapters/aws/s3-artifacts';
import { S3UploadUrls } from '../../functions/adapters/aws/s3-upload-urls';
import { SsmSecretStore } from '../../functions/adapters/aws/ssm-secrets';
import { type RunningDynamo, startDynalite } from '../support/dynalite';
import { FakeClock } from '../support/fake-clock';
import { fakeSsm } from '../support/fake-ssm';
import { type RunningS3, startS3rver } from '../support/s3rver';
import { artifactsContract, chunks } from './artifacts.contract';
import { secretsContract } from './secrets.contract';
import { stateContract } from './state.contract';

// One s3rver and one dynalite for the whole file (loopback only, fake credentials); each test gets a fresh
// bucket or table on them. SSM runs on an in-memory fake (test/support/fake-ssm.ts: short pages, conflict
// errors). The queue suite runs against SQS on moto (test/contract/moto.test.ts), with the other three.
let s3: RunningS3;
let s3Client: S3Client;
let dynamo: RunningDynamo;
let documents: DynamoDBDocumentClient;
let fresh = 0;

beforeAll(async () => {
  [s3, dynamo] = await Promise.all([startS3rver(), startDynalite()]);
  s3Client = new S3Client(s3.clientConfig);
  documents = DynamoDBDocumentClient.from(new DynamoDBClient(dynamo.clientConfig));
});

afterAll(async () => {
  s3Client?.destroy();
  documents?.destroy();
  await Promise.all([s3?.stop(), dynamo?.stop()]);
});

artifactsContract(
  'S3ArtifactStore on s3rver',
  async () => {
    const bucket = `artifacts-${++fresh}`;
    await s3Client.send(new CreateBucketCommand({ Bucket: bucket }));
    // 5 MiB parts (S3's minimum) so the suite's 6 MiB body goes through a real multipart upload.
    const artifacts = new S3ArtifactStore({ bucket, client: s3Client, partSize: 5 * 1024 * 1024 });
    return { artifacts, bucket, teardown: async () => {} };
  },
  {
    // Every object, temporary ones included. s3rver does not implement ListMultipartUploads, so parts of an
    // aborted multipart upload cannot be listed here; the unit tests check that AbortMultipartUpload is sent.
    listEverything: async ({ bucket }) => {
      const listed = await s3Client.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (listed.Contents ?? []).map((o) => o.Key ?? '').sort();
    },
  },
);

stateContract('DynamoStateStore on dynalite', async () => {
  const table = await dynamo.createTable(`state-${++fresh}`);
  const clock = new FakeClock();
  return { state: new DynamoStateStore({ table, client: documents, clock }), clock, teardown: async () => {} };
});

secretsContract('SsmSecretStore on an in-memory SSM', async () => {
  const { client } = fakeSsm();
  return { secrets: new SsmSecretStore({ client }), teardown: async () => {} };
});

describe('S3ArtifactStore on s3rver, beyond the contract', () => {
  it('keeps the sha256 as object metadata and leaves no temporary object behind', async () => {
    const bucket = `artifacts-${++fresh}`;
    await s3Client.send(new CreateBucketCommand({ Bucket: bucket }));
    const artifacts = new S3ArtifactStore({ bucket, client: s3Client });
    const stored = await artifacts.put(chunks('release bytes'));
    await artifacts.put(chunks('release bytes'));
    await artifacts.put(chunks('bundle'), { key: 'bundles/d-1.tgz' });
    const listed = await s3Client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(['bundles/d-1.tgz', stored.key]);
    const head = await s3Client.send(new HeadObjectCommand({ Bucket: bucket, Key: stored.key }));
    expect(head.Metadata).toEqual({ sha256: stored.sha256 });
  });

  it('accepts an upload through a presigned PUT URL, as CI does', async () => {
    const bucket = `artifacts-${++fresh}`;
    await s3Client.send(new CreateBucketCommand({ Bucket: bucket }));
    // A client with the SDK's default checksums, as a composition root would share it with the artifact store.
    const shared = new S3Client({ ...s3.clientConfig, requestChecksumCalculation: 'WHEN_SUPPORTED' });
    const { url, headers } = await new S3UploadUrls({ bucket, client: shared }).presignPut('uploads/ci.tar.gz', {
      expiresInSec: 300,
    });
    expect(headers).toEqual({});
    const response = await fetch(url, { method: 'PUT', body: 'tarball bytes' });
    expect(response.status).toBe(200);
    const artifacts = new S3ArtifactStore({ bucket, client: s3Client });
    expect(await artifacts.head('uploads/ci.tar.gz')).toEqual({ key: 'uploads/ci.tar.gz', sha256: '', size: 13 });
  });

  it('takes a presigned PUT with a declared sha256 under its final key, with the digest as metadata', async () => {
    const bucket = `artifacts-${++fresh}`;
    await s3Client.send(new CreateBucketCommand({ Bucket: bucket }));
    const bytes = Buffer.from('tarball bytes, streamed as the CLI does');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const key = `sha256/${sha256}`;
    const presigned = await new S3UploadUrls({ bucket, client: s3Client }).presignPut(key, {
      expiresInSec: 300,
      sha256,
      size: bytes.length,
    });
    expect(presigned.headers).toEqual({
      'x-amz-checksum-sha256': createHash('sha256').update(bytes).digest('base64'),
      'content-length': String(bytes.length),
    });
    // The checksum and the length are signed headers (S3 refuses the PUT without them, and other bytes with
    // BadDigest); the digest metadata rides in the signed query. s3rver checks neither signatures nor
    // checksums, so what is tested here is the shape of the URL and that the upload lands, once, at its key.
    const url = new URL(presigned.url);
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual([
      'content-length',
      'host',
      'x-amz-checksum-sha256',
    ]);
    expect(url.searchParams.get('x-amz-meta-sha256')).toBe(sha256);
    const body = Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]);
    const response = await fetch(url, {
      method: 'PUT',
      headers: presigned.headers,
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(200);
    const artifacts = new S3ArtifactStore({ bucket, client: s3Client });
    expect(await artifacts.head(key)).toEqual({ key, sha256, size: bytes.length });
    const listed = await s3Client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect((listed.Contents ?? []).map((o) => o.Key)).toEqual([key]);
  });
});

describe('DynamoStateStore on dynalite, beyond the contract', () => {
  const key = { pk: 'locks', sk: 'hello#production' };

  it('lets exactly one of many concurrent create-only writes win', async () => {
    const state = new DynamoStateStore({ table: await dynamo.createTable(`state-${++fresh}`), client: documents });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, n) => state.put(key, { by: n }, { expectedVersion: null })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.name)).toEqual(
      Array(7).fill('ConcurrentChangeError'),
    );
  });

  it('gives concurrent unconditional writes distinct versions (the increment is atomic)', async () => {
    const state = new DynamoStateStore({ table: await dynamo.createTable(`state-${++fresh}`), client: documents });
    const versions = await Promise.all(Array.from({ length: 8 }, (_, n) => state.put(key, n)));
    expect([...versions].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
