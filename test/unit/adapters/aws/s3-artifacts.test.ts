import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '../../../../functions/adapters/aws/s3-artifacts';
import { S3UploadUrls } from '../../../../functions/adapters/aws/s3-upload-urls';
import { ArtifactNotFoundError, ArtifactTooLargeError } from '../../../../functions/core/errors';
import { bytes, chunks } from '../../../contract/artifacts.contract';

const client = new S3Client({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
});
const s3 = mockClient(client);
const notFound = () => Object.assign(new Error('Not Found'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
  s3.on(CopyObjectCommand).resolves({});
  s3.on(DeleteObjectCommand).resolves({});
  s3.on(HeadObjectCommand).rejects(notFound());
});

describe('S3ArtifactStore requests', () => {
  it('encrypts with SSE-S3 by default, stores the sha256 as metadata on the copy and removes the temporary key', async () => {
    const store = new S3ArtifactStore({ bucket: 'art', client });
    const stored = await store.put(chunks('bundle'), { key: 'bundles/d-1.tgz' });
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Bucket: 'art', ServerSideEncryption: 'AES256' });
    expect(put?.Key).toMatch(/^tmp\/[0-9a-f-]{36}$/);
    expect(s3.commandCalls(CopyObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'art',
      Key: 'bundles/d-1.tgz',
      CopySource: `art/${put?.Key}`,
      MetadataDirective: 'REPLACE',
      Metadata: { sha256: stored.sha256 },
      ContentType: 'application/octet-stream',
      ServerSideEncryption: 'AES256',
    });
    expect(s3.commandCalls(DeleteObjectCommand)[0]?.args[0].input).toEqual({ Bucket: 'art', Key: put?.Key });
  });

  it('encrypts with the configured KMS key', async () => {
    const store = new S3ArtifactStore({ bucket: 'art', client, kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/k' });
    await store.put(chunks('x'), { key: 'a' });
    const expected = { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'arn:aws:kms:eu-west-1:1:key/k' };
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject(expected);
    expect(s3.commandCalls(CopyObjectCommand)[0]?.args[0].input).toMatchObject(expected);
  });

  it('skips the copy when the content-addressed object already exists', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1, Metadata: { sha256: 'x' } });
    await new S3ArtifactStore({ bucket: 'art', client }).put(chunks('x'));
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(1);
  });

  it('aborts the multipart upload once the body passes maxBytes', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
    s3.on(UploadPartCommand).resolves({ ETag: '"p"' });
    s3.on(AbortMultipartUploadCommand).resolves({});
    const store = new S3ArtifactStore({ bucket: 'art', client, partSize: 5 * 1024 * 1024 });
    const put = store.put(bytes(7 * 1024 * 1024, 1024 * 1024), { maxBytes: 6 * 1024 * 1024 });
    await expect(put).rejects.toBeInstanceOf(ArtifactTooLargeError);
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'art',
      UploadId: 'up-1',
    });
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
  });

  it('reports too large even when S3 also refuses the abort', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
    s3.on(UploadPartCommand).resolves({ ETag: '"p"' });
    s3.on(AbortMultipartUploadCommand).rejects(new Error('MethodNotAllowed'));
    const store = new S3ArtifactStore({ bucket: 'art', client, partSize: 5 * 1024 * 1024 });
    const put = store.put(bytes(7 * 1024 * 1024, 1024 * 1024), { maxBytes: 6 * 1024 * 1024 });
    await expect(put).rejects.toBeInstanceOf(ArtifactTooLargeError);
  });

  it('translates NoSuchKey on get into ArtifactNotFoundError', async () => {
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }),
    );
    await expect(new S3ArtifactStore({ bucket: 'art', client }).get('releases/x')).rejects.toBeInstanceOf(
      ArtifactNotFoundError,
    );
  });

  it('answers head with an empty sha256 for an object without the metadata (a presigned upload)', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 42 });
    expect(await new S3ArtifactStore({ bucket: 'art', client }).head('uploads/ci.tar.gz')).toEqual({
      key: 'uploads/ci.tar.gz',
      sha256: '',
      size: 42,
    });
  });
});

describe('S3UploadUrls', () => {
  it('presigns a PUT of the key for the given time, with no network call', async () => {
    const url = new URL(
      (await new S3UploadUrls({ bucket: 'art', client }).presignPut('uploads/u 1.tar.gz', { expiresInSec: 900 })).url,
    );
    expect(url.hostname).toBe('art.s3.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/uploads/u%201.tar.gz');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(s3.calls()).toHaveLength(0);
  });

  it('signs no checksum of an empty body into the URL (the SDK default would make S3 reject the upload)', async () => {
    const urls = new S3UploadUrls({
      bucket: 'art',
      clientConfig: { region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } },
    });
    const url = new URL((await urls.presignPut('k', { expiresInSec: 60 })).url);
    expect(
      [...url.searchParams.keys()].filter((k) => k.startsWith('x-amz-checksum') || k.startsWith('x-amz-sdk-checksum')),
    ).toEqual([]);
    // A shared client keeps the SDK default (WHEN_SUPPORTED): the URL must still come out clean, same region.
    const defaults = new S3Client({ region: 'eu-west-2', credentials: { accessKeyId: 'A', secretAccessKey: 'x' } });
    const shared = new URL(
      (await new S3UploadUrls({ bucket: 'art', client: defaults }).presignPut('k', { expiresInSec: 60 })).url,
    );
    expect([...shared.searchParams.keys()].filter((k) => k.includes('checksum'))).toEqual([]);
    expect(shared.hostname).toBe('art.s3.eu-west-2.amazonaws.com');
  });

  it('fails on an expiry S3 would not honour, naming it', async () => {
    const urls = new S3UploadUrls({ bucket: 'art', client });
    await expect(urls.presignPut('k', { expiresInSec: 8 * 24 * 3600 })).rejects.toThrow('(given 691200)');
    await expect(urls.presignPut('k', { expiresInSec: 0 })).rejects.toThrow('(given 0)');
  });
});
