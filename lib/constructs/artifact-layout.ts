/**
 * Where things live in the artifacts bucket. The IAM policies in this folder are scoped to these prefixes,
 * so the worker must store objects under them:
 *
 * - `uploads/<...>`            CI uploads through presigned PUT URLs, before validation
 * - `releases/<app>/<...>`     accepted release tarballs of an app (hosts download them)
 * - `bundles/<app>/<env>/<...>` deployment bundles of an instance (the CodeDeploy agent downloads them)
 */
export const UPLOADS_PREFIX = 'uploads/';

/** Key prefix of an app's accepted release tarballs. */
export function releasesPrefix(app: string): string {
  return `releases/${app}/`;
}

/** Key prefix of an instance's deployment bundles. */
export function bundlesPrefix(app: string, env: string): string {
  return `bundles/${app}/${env}/`;
}

/** SSM parameter path of a secret scope (`<app>/<env>` or `_global`), without a trailing slash. */
export function secretPath(scope: string): string {
  return `/tarmac/${scope}`;
}

/** The intake secrets in scope `_global`, in the order the docs list them. */
export const INTAKE_SECRETS = ['github_webhook_secret', 'build_webhook_secret', 'slack_signing_secret'] as const;
