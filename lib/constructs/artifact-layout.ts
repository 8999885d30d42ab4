/**
 * Where things live in the artifacts bucket, as the S3 adapters write them (functions/adapters/aws). The IAM
 * policies and lifecycle rules in this folder are scoped to these prefixes:
 *
 * - `tmp/<uuid>`                 a put of unknown sha256 or length streams here first, then is copied and deleted
 * - `uploads/<app>/<version>/…`  tarballs CI PUTs with a presigned URL, before ingest
 * (a signed `PUT /artifacts/…` upload goes straight to `sha256/<hex>`, checked by S3 against the signed sha256)
 * - `sha256/<hex>`               content-addressed release tarballs and deployment bundles (hosts read these)
 */
export const TMP_PREFIX = 'tmp/';
export const UPLOADS_PREFIX = 'uploads/';
export const CONTENT_PREFIX = 'sha256/';

/** SSM parameter path of a secret scope (`<app>/<env>` or `_global`), without a trailing slash. */
export function secretPath(scope: string): string {
  return `/tarmac/${scope}`;
}

/** The intake secrets in scope `_global`, in the order the docs list them. */
export const INTAKE_SECRETS = ['github_webhook_secret', 'build_webhook_secret', 'slack_signing_secret'] as const;
