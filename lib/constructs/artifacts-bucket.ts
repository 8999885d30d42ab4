import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ValidationError } from '../errors';
import { TMP_PREFIX, UPLOADS_PREFIX } from './artifact-layout';
import { acknowledge } from './nag';

export interface ArtifactsBucketProps {
  /**
   * How long an overwritten or deleted object version is kept before S3 expires it.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * How long received uploads are kept (accepted ones are copied to `sha256/` by ingest).
   * @default Duration.days(14)
   */
  readonly uploadsExpiration?: Duration;
  /**
   * How long server access log objects are kept.
   * @default Duration.days(90)
   */
  readonly accessLogsExpiration?: Duration;
}

/**
 * Release tarballs and deployment bundles: versioned, encrypted (SSE-S3), private, TLS only, kept when the
 * stack is deleted, with server access logs in a second bucket.
 */
export class ArtifactsBucket extends Construct {
  readonly bucket: IBucket;
  readonly accessLogs: IBucket;

  constructor(scope: Construct, id: string, props: ArtifactsBucketProps = {}) {
    super(scope, id);
    const noncurrent = props.noncurrentVersionExpiration ?? Duration.days(30);
    if (noncurrent.toDays() < 1) {
      throw new ValidationError(
        `noncurrentVersionExpiration must be at least 1 day (given ${noncurrent.toHumanString()}) — S3 expires in whole days`,
        this,
      );
    }
    // Grant S3 log delivery through a bucket policy instead of the legacy LogDeliveryWrite ACL, so ACLs stay
    // disabled on both buckets (whatever feature flags the app sets).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const common = {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    const accessLogs = new Bucket(this, 'AccessLogs', {
      ...common,
      // S3 log delivery writes with the bucket owner enforced; ACLs stay disabled.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: props.accessLogsExpiration ?? Duration.days(90) }],
    });
    acknowledge(
      accessLogs,
      'S1',
      'This is the access-log bucket itself: logging it into itself would loop, and a third bucket adds nothing.',
    );
    this.accessLogs = accessLogs;
    this.bucket = new Bucket(this, 'Bucket', {
      ...common,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'artifacts/',
      lifecycleRules: [
        { noncurrentVersionExpiration: noncurrent, abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // Left behind only when a function dies between streaming and copying an upload.
        { prefix: TMP_PREFIX, expiration: Duration.days(1) },
        // Ingest copies accepted tarballs to sha256/; what stays under uploads/ is rejected or abandoned.
        { prefix: UPLOADS_PREFIX, expiration: props.uploadsExpiration ?? Duration.days(14) },
      ],
    });
  }
}
