import { Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { secretPath } from './artifact-layout';

/**
 * IAM statements that the CDK `grant*` methods cannot express without wildcard actions or unscoped resources.
 * Every action is named; every resource is a path tarmac owns.
 */

/** ARNs of an SSM secret scope: the path itself (GetParametersByPath) and every parameter under it. */
export function secretScopeArns(scope: IConstruct, secretScope: string): string[] {
  const stack = Stack.of(scope);
  const path = stack.formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: secretPath(secretScope).slice(1),
  });
  return [path, `${path}/*`];
}

/** Read the secrets of the given scopes (`<app>/<env>` or `_global`). */
export function readSecrets(scope: IConstruct, secretScopes: readonly string[]): PolicyStatement {
  return new PolicyStatement({
    actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
    resources: secretScopes.flatMap((s) => secretScopeArns(scope, s)),
  });
}

/** Create the secrets of the given scopes (the worker generates a missing erlang_cookie and secret_key_base). */
export function writeSecrets(scope: IConstruct, secretScopes: readonly string[]): PolicyStatement {
  return new PolicyStatement({
    actions: ['ssm:PutParameter'],
    resources: secretScopes.map((s) => `${secretScopeArns(scope, s)[0]}/*`),
  });
}

/**
 * Use KMS only through SSM Parameter Store (SecureString). The resource is every key of the account because
 * the key behind `alias/aws/ssm` (or a team's own key) has an id unknown at synth time; the
 * `kms:ViaService` condition is what limits it to SSM calls in this region.
 */
export function kmsViaSsm(scope: IConstruct, actions: readonly string[]): PolicyStatement {
  const stack = Stack.of(scope);
  return new PolicyStatement({
    actions: [...actions],
    resources: [stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
    conditions: { StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com` } },
  });
}

/** Read objects (and object versions: CodeDeploy fetches bundles by version) under the given key prefixes. */
export function readObjects(bucket: IBucket, prefixes: readonly string[]): PolicyStatement {
  return new PolicyStatement({
    actions: ['s3:GetObject', 's3:GetObjectVersion'],
    resources: prefixes.map((p) => bucket.arnForObjects(`${p}*`)),
  });
}

/** Write and delete objects under the given key prefixes. */
export function writeObjects(bucket: IBucket, prefixes: readonly string[]): PolicyStatement {
  return new PolicyStatement({
    actions: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
    resources: prefixes.map((p) => bucket.arnForObjects(`${p}*`)),
  });
}

/**
 * Take and release the migration locks of the given instances (`app/env`): item-level access to the state
 * table, only to items whose partition key is `migration#<app>#<env>#…` (`dynamodb:LeadingKeys`) — the keys
 * templates/lock.sh writes, so a fleet's hosts can never touch another fleet's locks.
 */
export function migrationLock(table: ITable, scopes: readonly string[]): PolicyStatement {
  const keys = scopes.map((scope) => `migration#${scope.replace('/', '#')}#*`);
  return new PolicyStatement({
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    resources: [table.tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': keys } },
  });
}

/**
 * SSM Run Command (AWS-RunShellScript) to a fleet's instances: maintenance switches (the worker), `logs` and
 * `eval` over the API (the webhook). SendCommand is allowed with the AWS-owned shell document only, and on
 * instances only when they carry all the tags of one fleet (`ssm:resourceTag/<key>`: instance ids are found
 * at run time). GetCommandInvocation and DescribeInstances take no resource narrower than the account; both
 * only read.
 */
export function runCommandStatements(
  scope: IConstruct,
  fleetTags: readonly Readonly<Record<string, string>>[],
): PolicyStatement[] {
  if (fleetTags.length === 0) return [];
  return [
    ...documentOnFleets(scope, 'ssm:SendCommand', 'AWS-RunShellScript', fleetTags),
    new PolicyStatement({ actions: ['ssm:GetCommandInvocation', 'ec2:DescribeInstances'], resources: ['*'] }),
  ];
}

/**
 * `action` (SendCommand, StartSession) with one AWS-owned SSM document only, and on EC2 instances only when they
 * carry all the tags of one fleet (`ssm:resourceTag/<key>`: instance ids are found at run time).
 */
export function documentOnFleets(
  scope: IConstruct,
  action: string,
  documentName: string,
  fleetTags: readonly Readonly<Record<string, string>>[],
): PolicyStatement[] {
  const stack = Stack.of(scope);
  const document = stack.formatArn({ service: 'ssm', account: '', resource: 'document', resourceName: documentName });
  const instances = stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' });
  return [
    new PolicyStatement({ actions: [action], resources: [document] }),
    ...fleetTags.map(
      (tags) =>
        new PolicyStatement({
          actions: [action],
          resources: [instances],
          conditions: {
            StringEquals: Object.fromEntries(Object.entries(tags).map(([k, v]) => [`ssm:resourceTag/${k}`, v])),
          },
        }),
    ),
  ];
}
