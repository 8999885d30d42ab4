import { PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { TarmacError } from '../../core/errors';
import type { UploadUrls } from '../../ports';

export interface S3UploadUrlsOptions {
  readonly bucket: string;
  /** @default new S3Client(clientConfig) — either way, URLs are signed without default checksums (see below). */
  readonly client?: S3Client;
  readonly clientConfig?: S3ClientConfig;
}

/** S3 caps a presigned URL's life at 7 days (SigV4). */
const MAX_EXPIRY_SEC = 7 * 24 * 3600;

/**
 * Presigned PUT URLs so CI can upload a tarball straight to S3 (a Lambda cannot take a body over 6 MB).
 *
 * A presigned PUT cannot bound the body size (only a POST policy's `content-length-range` can), so `maxBytes`
 * is not enforced here: the ingest job re-reads the upload through `ArtifactStore.put({ maxBytes })`, which
 * refuses anything larger, and deletes the upload. Encryption comes from the bucket's default encryption —
 * putting SSE headers in the signature would force every client to send them back verbatim.
 *
 * URLs are signed by a client that adds no default checksums: with `requestChecksumCalculation: 'WHEN_SUPPORTED'`
 * (the SDK's default) the URL would carry `x-amz-checksum-crc32` of an *empty* body and S3 would reject every
 * real upload. A shared client with that default is therefore twinned (same region, credentials, endpoint).
 */
export class S3UploadUrls implements UploadUrls {
  private readonly client: S3Client;
  private signer: S3Client | undefined;

  constructor(private readonly options: S3UploadUrlsOptions) {
    this.client =
      options.client ?? new S3Client({ ...options.clientConfig, requestChecksumCalculation: 'WHEN_REQUIRED' });
  }

  /** @example await urls.presignPut('uploads/01J….tar.gz', { expiresInSec: 900 }) // https://bucket.s3…?X-Amz-Signature=… */
  async presignPut(key: string, options: { expiresInSec: number; maxBytes?: number }): Promise<string> {
    const { expiresInSec } = options;
    if (!Number.isInteger(expiresInSec) || expiresInSec < 1 || expiresInSec > MAX_EXPIRY_SEC) {
      throw new TarmacError(
        `presigned URL expiry must be a whole number of seconds between 1 and ${MAX_EXPIRY_SEC} (given ${expiresInSec})`,
        { expiresInSec },
      );
    }
    const command = new PutObjectCommand({ Bucket: this.options.bucket, Key: key });
    return getSignedUrl(await this.signingClient(), command, { expiresIn: expiresInSec });
  }

  private async signingClient(): Promise<S3Client> {
    if (this.signer) return this.signer;
    const { config } = this.client;
    this.signer =
      (await config.requestChecksumCalculation()) === 'WHEN_REQUIRED'
        ? this.client
        : new S3Client({
            region: config.region,
            credentials: config.credentials,
            forcePathStyle: config.forcePathStyle,
            ...(config.isCustomEndpoint && config.endpoint ? { endpoint: config.endpoint } : {}),
            requestChecksumCalculation: 'WHEN_REQUIRED',
          });
    return this.signer;
  }
}
