import { CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { GLOBAL_SCOPE } from '../../functions/core/secrets';
import { INTAKE_SECRETS } from './artifact-layout';

export interface OutputValues {
  readonly urls: { readonly server: string; readonly github: string; readonly builds: string; readonly slack: string };
  readonly bucketName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly tableName: string;
  /** Managed policy ARN per fleet name. */
  readonly fleetPolicies: ReadonlyMap<string, string>;
  /** `<app> <env>` pairs, for the `tarmac secrets init` commands. */
  readonly instances: ReadonlyArray<{ readonly app: string; readonly env: string }>;
}

/** Output IDs are a contract (scripts read them from `cdk deploy --outputs-file`): keep them stable. */
export function addOutputs(scope: Construct, values: OutputValues): void {
  const out = (id: string, value: string, description: string) => new CfnOutput(scope, id, { value, description });
  out('ServerUrl', values.urls.server, 'Base URL of the tarmac API: tarmac --server <this> (release push, status, …)');
  out('GithubWebhookUrl', values.urls.github, 'GitHub repository webhook: Payload URL (content type application/json)');
  out('BuildsWebhookUrl', values.urls.builds, 'CI posts build events here (signed with build_webhook_secret)');
  out('SlackCommandsUrl', values.urls.slack, 'Slack app slash command: Request URL');
  out('ArtifactsBucketName', values.bucketName, 'Release tarballs and deployment bundles');
  out('JobQueueUrl', values.queueUrl, 'tarmac job queue (SQS FIFO)');
  out('DeadLetterQueueUrl', values.deadLetterQueueUrl, 'Jobs that failed every delivery');
  out('StateTableName', values.tableName, 'tarmac state (DynamoDB)');
  for (const [fleet, arn] of values.fleetPolicies) {
    out(`FleetPolicy${pascal(fleet)}`, arn, `Attach to the instance role of the hosts of fleet ${fleet}`);
  }
  INTAKE_SECRETS.forEach((name) => {
    out(
      `SetSecret${pascal(name)}`,
      `tarmac secrets set ${GLOBAL_SCOPE} ${name} --stdin --aws`,
      `Store the ${name.replaceAll('_', ' ')} (value on stdin)`,
    );
  });
  out(
    'InitSecretsCommands',
    values.instances.map((i) => `tarmac secrets init ${i.app} ${i.env} --aws`).join(' && '),
    'Create the generated secrets (erlang_cookie, secret_key_base) of every instance',
  );
}

/** `github_webhook_secret` → `GithubWebhookSecret`; `web-eu` → `WebEu`. */
function pascal(value: string): string {
  return value
    .split(/[-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
