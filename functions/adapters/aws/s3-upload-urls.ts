import { PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { TarmacError } from '../../core/errors';
import type { PresignedPut, PresignOptions, UploadUrls } from '../../ports';

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
 * With a declared sha256 and size (what `tarmac release push` and CI send) the URL is for the final
 * content-addressed key: `x-amz-checksum-sha256` and `content-length` are signed headers (the uploader sends
 * them back, S3 refuses other bytes or another length — `BadDigest`), and the digest is signed into the URL as
 * the object's `sha256` metadata, so the object is written once and never copied. Without them a presigned PUT
 * cannot bound the body (only a POST policy's `content-length-range` can), so `maxBytes` is not enforced here:
 * the ingest job re-reads the upload through `ArtifactStore.put({ maxBytes })`, which refuses anything larger,
 * and deletes the upload. Encryption comes from the bucket's default encryption — putting SSE headers in the
 * signature would force every client to send them back verbatim.
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

  /** @example await urls.presignPut('sha256/9f…', { expiresInSec: 900, sha256: '9f…', size: 1234 }) // { url, headers } */
  async presignPut(key: string, options: PresignOptions): Promise<PresignedPut> {
    const { expiresInSec, sha256, size } = options;
    if (!Number.isInteger(expiresInSec) || expiresInSec < 1 || expiresInSec > MAX_EXPIRY_SEC) {
      throw new TarmacError(
        `presigned URL expiry must be a whole number of seconds between 1 and ${MAX_EXPIRY_SEC} (given ${expiresInSec})`,
        { expiresInSec },
      );
    }
    const checksum = sha256 === undefined ? undefined : Buffer.from(sha256, 'hex').toString('base64');
    const command = new PutObjectCommand({
      Bucket: this.options.bucket,
      Key: key,
      ...(checksum ? { ChecksumSHA256: checksum, Metadata: { sha256: sha256 as string } } : {}),
      ...(size !== undefined ? { ContentLength: size } : {}),
    });
    // x-amz-* headers are hoisted into the query string by default, where S3 does not verify a checksum: keep
    // this one a header, so that S3 checks the body against it (content-length is never hoisted).
    const url = await getSignedUrl(await this.signingClient(), command, {
      expiresIn: expiresInSec,
      ...(checksum ? { unhoistableHeaders: new Set(['x-amz-checksum-sha256']) } : {}),
    });
    const headers = {
      ...(checksum ? { 'x-amz-checksum-sha256': checksum } : {}),
      ...(size !== undefined ? { 'content-length': String(size) } : {}),
    };
    return { url, headers };
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
