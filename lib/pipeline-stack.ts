import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { groupBy } from '../functions/core/collections';
import { allInstances, parseConfig, type TarmacConfig } from '../functions/core/config';
import { functionEnvironment } from '../functions/core/function-env';
import { ArtifactsBucket } from './constructs/artifacts-bucket';
import { applicationName, CodeDeploy } from './constructs/code-deploy';
import { DeployEvents } from './constructs/deploy-events';
import { FleetHostPolicy } from './constructs/fleet-host-policy';
import { JobQueue } from './constructs/job-queue';
import { addOutputs } from './constructs/outputs';
import { StateTable } from './constructs/state-table';
import { Webhook } from './constructs/webhook';
import { Worker } from './constructs/worker';
import { ValidationError } from './errors';

/** The repository root: package-lock.json and functions/ live here. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface PipelineStackProps extends StackProps {
  /** Path of the tarmac.yml to deploy (absolute, or relative to the working directory). */
  readonly configFile: string;
  /** @default the repository this file belongs to */
  readonly projectRoot?: string;
  /** How long overwritten artifact versions are kept. @default Duration.days(30) */
  readonly noncurrentVersionExpiration?: Duration;
  /** @default Duration.minutes(5) */
  readonly workerTimeout?: Duration;
  /** Job visibility timeout; at least 6 × workerTimeout. @default 6 × workerTimeout */
  readonly visibilityTimeout?: Duration;
}

/**
 * Everything tarmac needs on AWS, built from one tarmac.yml: artifacts bucket, state table, job queue,
 * webhook, worker and deploy-events functions, CodeDeploy applications and groups, and a policy per fleet.
 */
export class PipelineStack extends Stack {
  readonly config: TarmacConfig;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const configFile = resolve(props.configFile);
    this.config = parseConfig(readConfig(this, configFile), props.configFile);
    const instances = allInstances(this.config);
    const workerTimeout = props.workerTimeout ?? Duration.minutes(5);

    const { bucket } = new ArtifactsBucket(this, 'Artifacts', {
      noncurrentVersionExpiration: props.noncurrentVersionExpiration,
    });
    const { table } = new StateTable(this, 'State');
    const jobs = new JobQueue(this, 'Jobs', {
      consumerTimeout: workerTimeout,
      visibilityTimeout: props.visibilityTimeout,
    });
    const codeDeploy = new CodeDeploy(this, 'CodeDeploy', {
      config: this.config,
      rollbackAlarms: [jobs.deadLetterAlarm],
    });
    const base = {
      projectRoot: props.projectRoot ?? PROJECT_ROOT,
      configFile,
      environment: functionEnvironment({
        bucket: bucket.bucketName,
        table: table.tableName,
        queueUrl: jobs.queue.queueUrl,
        deadLetterQueueUrl: jobs.deadLetterQueue.queueUrl,
      }),
    };
    const fleetTags = Object.values(this.config.fleets).flatMap((f) => (f.ec2_tags ? [f.ec2_tags] : []));
    const webhook = new Webhook(this, 'Webhook', {
      ...base,
      queue: jobs.queue,
      table,
      bucket,
      secretScopes: instances.map((i) => i.secretScope),
      fleetTags,
    });
    new Worker(this, 'Worker', {
      ...base,
      timeout: workerTimeout,
      queue: jobs.queue,
      deadLetterQueue: jobs.deadLetterQueue,
      table,
      bucket,
      secretScopes: instances.map((i) => i.secretScope),
      applications: codeDeploy.applications,
      deploymentGroups: codeDeploy.groups,
      deploymentConfigs: codeDeploy.configs.all,
      fleetTags,
    });
    new DeployEvents(this, 'DeployEvents', {
      ...base,
      applicationNames: Object.keys(this.config.apps).map(applicationName),
      queue: jobs.queue,
      table,
      deploymentGroups: codeDeploy.groups,
    });
    const fleetPolicies = new Map<string, string>();
    for (const [fleet, onFleet] of groupBy(instances, (i) => i.fleet)) {
      const host = new FleetHostPolicy(this, `Fleet-${fleet}`, { fleet, instances: onFleet, bucket, table });
      fleetPolicies.set(fleet, host.policy.managedPolicyArn);
    }
    addOutputs(this, {
      urls: {
        server: webhook.url,
        github: webhook.routeUrl('webhooks/github'),
        builds: webhook.routeUrl('webhooks/builds'),
        slack: webhook.routeUrl('slack/commands'),
      },
      bucketName: bucket.bucketName,
      queueUrl: jobs.queue.queueUrl,
      deadLetterQueueUrl: jobs.deadLetterQueue.queueUrl,
      tableName: table.tableName,
      fleetPolicies,
      instances,
    });
  }
}

function readConfig(stack: Stack, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const message = `cannot read tarmac config ${path} — pass another with: npx cdk synth -c tarmac:config=<path>`;
    throw new ValidationError(message, stack, { cause: error });
  }
}
