import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config';
import { ArtifactsBucket } from '../../../lib/constructs/artifacts-bucket';
import { CodeDeploy } from '../../../lib/constructs/code-deploy';
import { DeployEvents } from '../../../lib/constructs/deploy-events';
import { FleetHostPolicy } from '../../../lib/constructs/fleet-host-policy';
import { JobQueue } from '../../../lib/constructs/job-queue';
import { StateTable } from '../../../lib/constructs/state-table';
import { Webhook } from '../../../lib/constructs/webhook';
import { Worker } from '../../../lib/constructs/worker';
import { ValidationError } from '../../../lib/errors';
import { PipelineStack, PROJECT_ROOT } from '../../../lib/pipeline-stack';
import { buildStack, EXAMPLE_CONFIG, freshStack } from './support';

// These fail while constructing, before any synth or bundling: cheap.
describe('PipelineStack refuses what it cannot deploy', () => {
  it('fails with the config error message when tarmac.yml is invalid', () => {
    const invalid = EXAMPLE_CONFIG.replace('port: 4002', 'port: 80');
    expect(() => buildStack(invalid)).toThrow(/apps\.hello\.environments\.production\.port: .*received 80/);
  });

  it('fails naming both instances when two environments share a port on a fleet', () => {
    const clash = EXAMPLE_CONFIG.replace('port: 4002', 'port: 4001');
    expect(() => buildStack(clash)).toThrow(/port 4001 is used by hello\/staging and hello\/production on fleet web/);
  });

  it('fails naming the fleet when an app’s fleet has no ec2_tags', () => {
    const noTags = EXAMPLE_CONFIG.replace(/ {4}ec2_tags:\n {6}tarmac-fleet: web\n/, '');
    expect(noTags).not.toContain('ec2_tags:\n');
    expect(() => buildStack(noTags)).toThrow(
      /^Tarmac\/CodeDeploy: fleet "web" of app hello has no ec2_tags .*add fleets\.web\.ec2_tags/,
    );
  });

  it('fails when a fleet has more EC2 tags than CodeDeploy can match', () => {
    const manyTags = EXAMPLE_CONFIG.replace(
      'tarmac-fleet: web',
      'tarmac-fleet: web\n      a: "1"\n      b: "2"\n      c: "3"',
    );
    expect(() => buildStack(manyTags)).toThrow(
      /^Tarmac\/CodeDeploy: fleet "web" has 4 ec2_tags \(given tarmac-fleet, a, b, c\)/,
    );
  });

  it('fails when min_healthy_hosts is over 100%', () => {
    const over = EXAMPLE_CONFIG.replace(
      'strategy: one-at-a-time',
      'strategy: { type: one-at-a-time, min_healthy_hosts: "150%" }',
    );
    expect(() => buildStack(over)).toThrow(/^Tarmac\/CodeDeploy\/Configs: min_healthy_hosts "150%" is over 100%/);
  });

  it('fails naming the path when the config file does not exist', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new PipelineStack(app, 'Tarmac', { configFile: '/nonexistent/tarmac.yml' })).toThrow(
      /^Tarmac: cannot read tarmac config \/nonexistent\/tarmac\.yml .*-c tarmac:config=/,
    );
  });

  it('fails naming both values when the visibility timeout is under 6 × the worker timeout', () => {
    expect(() =>
      buildStack(EXAMPLE_CONFIG, { workerTimeout: Duration.minutes(2), visibilityTimeout: Duration.minutes(10) }),
    ).toThrow(/^Tarmac\/Jobs: visibility timeout 600 s is less than 6 × the worker timeout 120 s \(720 s\)/);
  });
});

describe('ValidationError', () => {
  it('fails with the path of the construct that refused, as data and at the start of the message', () => {
    const noTags = EXAMPLE_CONFIG.replace(/ {4}ec2_tags:\n {6}tarmac-fleet: web\n/, '');
    const error = thrown(() => buildStack(noTags));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ name: 'ValidationError', constructPath: 'Tarmac/CodeDeploy' });
    expect((error as ValidationError).data).toEqual({ constructPath: 'Tarmac/CodeDeploy' });
  });

  it('fails keeping the read error as the cause when the config file cannot be read', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const error = thrown(() => new PipelineStack(app, 'Tarmac', { configFile: '/nonexistent/tarmac.yml' }));
    expect(error).toMatchObject({ constructPath: 'Tarmac', cause: { code: 'ENOENT' } });
  });
});

function thrown(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('constructs', () => {
  it('fails when noncurrent versions would expire in under a day', () => {
    const stack = freshStack();
    const props = { noncurrentVersionExpiration: Duration.days(0) };
    expect(() => new ArtifactsBucket(stack, 'Artifacts', props)).toThrow(
      /^Test\/Artifacts: noncurrentVersionExpiration must be at least 1 day \(given 0 days\)/,
    );
  });

  it('fails when CodeDeploy gets no alarm to roll back on', () => {
    const config = parseConfig(EXAMPLE_CONFIG, 'tarmac.yml');
    expect(() => new CodeDeploy(freshStack(), 'CodeDeploy', { config, rollbackAlarms: [] })).toThrow(
      /^Test\/CodeDeploy: rollbackAlarms is empty \(given 0 alarms\)/,
    );
  });

  it('fails when a fleet host policy covers no instance', () => {
    const stack = freshStack();
    const shared = {
      bucket: new ArtifactsBucket(stack, 'Artifacts').bucket,
      table: new StateTable(stack, 'State').table,
    };
    expect(() => new FleetHostPolicy(stack, 'Fleet-web', { fleet: 'web', instances: [], ...shared })).toThrow(
      /^Test\/Fleet-web: fleet "web" has no instances \(given 0\)/,
    );
  });
});

describe('JobQueue', () => {
  it('sizes the visibility timeout at 6 × the consumer timeout by default', () => {
    const stack = freshStack();
    new JobQueue(stack, 'Jobs', { consumerTimeout: Duration.seconds(45) });
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, VisibilityTimeout: 270 });
  });

  it('fails when maxReceiveCount is not a positive integer', () => {
    expect(
      () => new JobQueue(freshStack(), 'Jobs', { consumerTimeout: Duration.seconds(10), maxReceiveCount: 0 }),
    ).toThrow(/^Test\/Jobs: maxReceiveCount must be an integer from 1 to 1000 \(given 0\)/);
  });
});

describe('functions', () => {
  const resources = () => {
    const stack = freshStack();
    const jobs = new JobQueue(stack, 'Jobs', { consumerTimeout: Duration.minutes(5) });
    const base = { projectRoot: PROJECT_ROOT, configFile: 'tarmac.yml', environment: {} };
    const shared = { queue: jobs.queue, table: new StateTable(stack, 'State').table };
    return { stack, jobs, base, shared, bucket: new ArtifactsBucket(stack, 'Artifacts').bucket };
  };

  it('fails when the worker batch is larger than a FIFO event source allows', () => {
    const { stack, jobs, base, shared, bucket } = resources();
    const worker = { ...base, ...shared, bucket, deadLetterQueue: jobs.deadLetterQueue, secretScopes: [] };
    const codeDeploy = { applications: [], deploymentGroups: [], deploymentConfigs: [] };
    expect(() => new Worker(stack, 'Worker', { ...worker, ...codeDeploy, batchSize: 11 })).toThrow(
      /^Test\/Worker: worker batchSize must be an integer from 1 to 10 \(given 11\)/,
    );
  });

  it('fails when the deploy-events rule would match no application', () => {
    const { stack, base, shared } = resources();
    const props = { ...base, ...shared, applicationNames: [], deploymentGroups: [] };
    expect(() => new DeployEvents(stack, 'DeployEvents', props)).toThrow(
      /^Test\/DeployEvents: applicationNames is empty \(given 0 names\)/,
    );
  });

  it('fails when the webhook timeout is longer than senders wait', () => {
    const { stack, base, shared, bucket } = resources();
    expect(() => new Webhook(stack, 'Webhook', { ...base, ...shared, bucket, timeout: Duration.minutes(1) })).toThrow(
      /^Test\/Webhook: webhook timeout must be at most 30 s \(given 60 s\)/,
    );
  });
});
