import { Duration, Fn, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONSOLE_DOCUMENT } from '../../functions/core/console-protocol';
import { WEBHOOK_TIMEOUT_ENV } from '../../functions/core/function-env';
import { GLOBAL_SCOPE } from '../../functions/core/secrets';
import { ValidationError } from '../errors';
import { CONTENT_PREFIX, secretPath, TMP_PREFIX, UPLOADS_PREFIX } from './artifact-layout';
import { acknowledgeWildcardResources } from './nag';
import {
  documentOnFleets,
  kmsViaSsm,
  readObjects,
  readSecrets,
  runCommandStatements,
  writeObjects,
  writeSecrets,
} from './statements';
import { baseOf, type TarmacFunctionBase, tarmacFunction } from './tarmac-function';

/** Senders give up quickly (GitHub after 10 s, Slack after 3 s): a longer timeout only hides a hang. */
const MAX_TIMEOUT_SEC = 30;

export interface WebhookProps extends TarmacFunctionBase {
  readonly queue: IQueue;
  readonly table: ITable;
  readonly bucket: IBucket;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /**
   * The instances' secret scopes (`<app>/<env>`): `secrets set|init --server` writes there, and `logs` and `eval`
   * read them to redact their values. @default []
   */
  readonly secretScopes?: readonly string[];
  /**
   * The fleets' `ec2_tags`: `console --server` may start sessions, and `logs` and `eval` run commands, on instances
   * carrying all of one fleet's tags. @default []
   */
  readonly fleetTags?: readonly Readonly<Record<string, string>>[];
}

/**
 * The HTTP edge: the Hono app (GitHub and build webhooks, Slack commands, the API) on a Lambda Function URL.
 * It verifies signatures, deduplicates deliveries, enqueues jobs and presigns CI uploads.
 */
export class Webhook extends Construct {
  readonly function: IFunction;
  /** The Function URL, ending in `/`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebhookProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.seconds(10);
    if (timeout.toSeconds() > MAX_TIMEOUT_SEC) {
      throw new ValidationError(
        `webhook timeout must be at most ${MAX_TIMEOUT_SEC} s (given ${timeout.toSeconds()} s) — GitHub waits 10 s and Slack 3 s`,
        this,
      );
    }
    const fn = tarmacFunction(this, 'Function', {
      ...baseOf(props),
      entry: 'functions/handlers/webhook.ts',
      // No top-level await in the handler: CommonJS, so its SDK clients load on first use (see `format`).
      format: OutputFormat.CJS,
      description: 'tarmac HTTP edge: webhooks, Slack commands, API',
      timeout,
      memorySize: props.memorySize ?? 256,
    });
    // The API bounds a host command (logs, eval) by this timeout: it must answer before Lambda cuts it off.
    fn.addEnvironment(WEBHOOK_TIMEOUT_ENV, String(timeout.toSeconds()));
    props.queue.grantSendMessages(fn);
    props.table.grantReadWriteData(fn);
    const statements = [
      // Signed uploads go straight to sha256/<hex> (one PutObject that S3 checks against the signed sha256;
      // HEAD first, so identical bytes are not written twice); unsigned-length ones stream to tmp/ and are
      // copied; builds check that an uploaded artifact exists (HEAD needs GetObject, ListBucket answers 404).
      readObjects(props.bucket, [TMP_PREFIX, UPLOADS_PREFIX, CONTENT_PREFIX]),
      writeObjects(props.bucket, [TMP_PREFIX, UPLOADS_PREFIX, CONTENT_PREFIX]),
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn] }),
      // The instances' secrets are read to redact them out of logs and eval answers; the admin API (an admin
      // token) writes secrets and token records and lists names (metadata only: DescribeParameters takes no
      // narrower resource).
      readSecrets(this, [GLOBAL_SCOPE, ...(props.secretScopes ?? [])]),
      writeSecrets(this, [GLOBAL_SCOPE, ...(props.secretScopes ?? [])]),
      new PolicyStatement({ actions: ['ssm:DescribeParameters'], resources: ['*'] }),
      kmsViaSsm(this, ['kms:Decrypt', 'kms:Encrypt']),
      ...consoleStatements(this, props.fleetTags ?? []),
      ...runCommandStatements(this, props.fleetTags ?? []),
    ];
    for (const statement of statements) fn.addToRolePolicy(statement);
    acknowledgeWildcardResources(
      fn,
      statements,
      'Uploads go to keys under tmp/ and uploads/ chosen per upload; consoles reach instances found by tag at run time ' +
        '(StartSession only with a fleet’s tags, TerminateSession only on its own sessions); intake secrets are the names under ' +
        `${secretPath(GLOBAL_SCOPE)} and the instances' scopes (read to redact logs and eval answers); KMS keys ` +
        'are usable only through SSM (kms:ViaService); SendCommand reaches only instances with a fleet’s tags, ' +
        'and its invocations and the instance list can only be read account-wide.',
    );
    // Auth NONE on purpose: GitHub, CI and Slack cannot sign AWS SigV4 requests. Every route verifies an
    // HMAC signature (X-Hub-Signature-256, the build secret, X-Slack-Signature) before it does anything.
    const functionUrl = fn.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    this.function = fn;
    this.url = functionUrl.url;
  }

  /** Full URL of a route of the app, e.g. `webhooks/github`. */
  routeUrl(route: string): string {
    return Fn.join('', [this.url, route]);
  }
}

/**
 * `console --server`: StartSession with the AWS-owned interactive-command document only, on instances only
 * when they carry all the tags of one fleet; TerminateSession only on sessions this function started (SSM
 * tags each session with its starter's user id); DescribeInstances (finding the fleet) has no narrower resource.
 */
function consoleStatements(
  scope: Construct,
  fleetTags: readonly Readonly<Record<string, string>>[],
): PolicyStatement[] {
  if (fleetTags.length === 0) return [];
  const sessions = Stack.of(scope).formatArn({ service: 'ssm', resource: 'session', resourceName: '*' });
  return [
    ...documentOnFleets(scope, 'ssm:StartSession', CONSOLE_DOCUMENT, fleetTags),
    new PolicyStatement({
      actions: ['ssm:TerminateSession'],
      resources: [sessions],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, resolved by IAM
      conditions: { StringLike: { 'ssm:resourceTag/aws:ssmmessages:session-id': ['${aws:userid}'] } },
    }),
    new PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }),
  ];
}
