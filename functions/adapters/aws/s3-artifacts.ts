import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ArtifactDigestError, ArtifactNotFoundError, ArtifactTooLargeError, TarmacError } from '../../core/errors';
import type { ArtifactStore, ByteStream, PutOptions, StoredObject } from '../../ports';
import { countAndHash } from './declared-body';

export interface S3ArtifactStoreOptions {
  readonly bucket: string;
  /** @default new S3Client(clientConfig) */
  readonly client?: S3Client;
  readonly clientConfig?: S3ClientConfig;
  /** Encrypt with this KMS key (aws:kms). @default SSE-S3 (AES256) */
  readonly kmsKeyId?: string;
  /** Multipart part size; S3's minimum is 5 MiB. @default 8 MiB */
  readonly partSize?: number;
  /** Prefix of in-flight uploads; the bucket should expire it (lifecycle rule) in case a worker dies. @default 'tmp/' */
  readonly tmpPrefix?: string;
}

/** Metadata key holding the hex sha256 (S3 sends it as `x-amz-meta-sha256`). */
const SHA256_META = 'sha256';

/** The largest single PutObject S3 takes. */
const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

/**
 * Artifacts in S3. A put whose sha256 and size were declared (a signed upload) is one PutObject straight to
 * its final key, carrying `ChecksumSHA256` so that S3 itself refuses bytes that do not match. Any other put
 * streams to a temporary key (multipart, sha256 and size computed on the fly), then copies to its final key
 * with the sha256 as metadata — the digest is only known at the end of the stream, and S3 metadata cannot be
 * changed after upload. Either way a reader sees the whole object or nothing.
 */
export class S3ArtifactStore implements ArtifactStore {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(private readonly options: S3ArtifactStoreOptions) {
    this.client = options.client ?? new S3Client(options.clientConfig ?? {});
    this.bucket = options.bucket;
  }

  async put(body: ByteStream, options: PutOptions = {}): Promise<StoredObject> {
    if (options.key !== undefined) validateKey(options.key);
    const { sha256: declared, size: declaredSize } = options;
    if (declared !== undefined && declaredSize !== undefined && declaredSize <= MAX_SINGLE_PUT_BYTES) {
      const key = options.key ?? `sha256/${declared}`;
      return this.putDeclared(body, { key, sha256: declared, size: declaredSize, maxBytes: options.maxBytes });
    }
    const tmpKey = `${this.options.tmpPrefix ?? 'tmp/'}${randomUUID()}`;
    const { sha256, size } = await this.upload(tmpKey, body, options.maxBytes);
    try {
      if (declared !== undefined && sha256 !== declared) throw new ArtifactDigestError(declared, sha256);
      const key = options.key ?? `sha256/${sha256}`;
      // Content-addressed: identical bytes are already there, with the same metadata.
      const exists = options.key === undefined && (await this.head(key)) !== undefined;
      if (!exists) {
        // A single CopyObject takes up to 5 GB; release tarballs and bundles are far below that.
        await this.client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: key,
            CopySource: `${this.bucket}/${encodeKey(tmpKey)}`,
            MetadataDirective: 'REPLACE',
            Metadata: { [SHA256_META]: sha256 },
            ContentType: 'application/octet-stream',
            ...this.encryption(),
          }),
        );
      }
      return { key, sha256, size };
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: tmpKey }));
    }
  }

  async get(key: string): Promise<ByteStream> {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!(result.Body instanceof Readable)) throw new TarmacError(`S3 returned no stream for ${key}`, { key });
      return result.Body;
    } catch (error) {
      throw isNotFound(error) ? new ArtifactNotFoundError(key) : error;
    }
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      // Objects written by a presigned PUT (CI uploads) carry no digest: '' says "unknown, re-read to verify".
      return { key, sha256: result.Metadata?.[SHA256_META] ?? '', size: result.ContentLength ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /**
   * One PutObject of a body whose sha256 and size are known up front. Identical bytes already under a
   * content-addressed key are not written again (the body is still read, to verify it); S3 checks
   * `ChecksumSHA256`, and the digest computed here catches a store that does not (an emulator), deleting what
   * it wrote.
   */
  private async putDeclared(
    body: ByteStream,
    target: { key: string; sha256: string; size: number; maxBytes?: number | undefined },
  ): Promise<StoredObject> {
    const { key, sha256, size, maxBytes } = target;
    if (maxBytes !== undefined && size > maxBytes) throw new ArtifactTooLargeError(maxBytes);
    const counted = countAndHash(body, size);
    const existing = key.startsWith('sha256/') ? await this.head(key) : undefined;
    if (existing?.sha256 === sha256) {
      for await (const _ of counted.chunks);
      counted.verify(sha256);
      return existing;
    }
    await this.client
      .send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: Readable.from(counted.chunks),
          ContentLength: size,
          ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
          Metadata: { [SHA256_META]: sha256 },
          ContentType: 'application/octet-stream',
          ...this.encryption(),
        }),
      )
      .catch((error: unknown) => {
        if ((error as { name?: string }).name === 'BadDigest') throw new ArtifactDigestError(sha256, 'something else');
        throw error;
      });
    try {
      counted.verify(sha256);
    } catch (error) {
      await this.delete(key);
      throw error;
    }
    return { key, sha256, size };
  }

  /** Stream `body` to `key`, hashing and counting on the way; past `maxBytes` the upload is aborted. */
  private async upload(key: string, body: ByteStream, maxBytes?: number): Promise<{ sha256: string; size: number }> {
    const hash = createHash('sha256');
    let size = 0;
    let tooLarge = false;
    async function* tap(): AsyncGenerator<Uint8Array> {
      for await (const chunk of body) {
        size += chunk.byteLength;
        if (maxBytes !== undefined && size > maxBytes) {
          tooLarge = true;
          throw new ArtifactTooLargeError(maxBytes);
        }
        hash.update(chunk);
        yield chunk;
      }
    }
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: Readable.from(tap()), ...this.encryption() },
      partSize: this.options.partSize ?? 8 * 1024 * 1024,
      queueSize: 2,
      // Default, stated because it matters: an aborted multipart upload leaves no parts (and no bill) behind.
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      // Check the flag, not the error: a failing AbortMultipartUpload would otherwise mask the cause.
      if (tooLarge && maxBytes !== undefined) throw new ArtifactTooLargeError(maxBytes);
      throw error;
    }
    return { sha256: hash.digest('hex'), size };
  }

  private encryption(): { ServerSideEncryption: ServerSideEncryption; SSEKMSKeyId?: string } {
    return this.options.kmsKeyId
      ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.options.kmsKeyId }
      : { ServerSideEncryption: 'AES256' };
  }
}

/**
 * S3 accepts any key, but keys also name files in the local twin and in bundles: refuse the ones that would
 * climb out of a folder there, so both stores accept the same keys.
 */
function validateKey(key: string): void {
  if (key === '' || key.startsWith('/') || key.split('/').includes('..')) {
    throw new TarmacError(`artifact key "${key}" is not valid — use a relative key without ".." segments`, { key });
  }
}

/** CopySource is a URL path: encode each segment, keep the slashes. */
function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** GetObject says NoSuchKey; HeadObject has no body, so only NotFound (or a bare 404) reaches us. */
export function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
