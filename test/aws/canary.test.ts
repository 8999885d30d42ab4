import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AwsAdapters, openAwsAdapters } from '../../functions/adapters/aws';
import { parseConfig } from '../../functions/core/config';
import { type EventSource, startEventSource } from '../support/aws-event-source';
import { intakeClient, settled, slackStandIn } from '../support/aws-pipeline';
import { createMotoStack } from '../support/aws-stack';
import { type Instance, installAwsCli } from '../support/codedeploy-agent';
import { type CodeDeployService, startCodeDeployService } from '../support/codedeploy-service';
import { buildFixture } from '../support/fixture';
import { bootTestHosts, type TestHosts } from '../support/hosts';
import { EXAMPLE_CONFIG } from '../support/http-harness';
import { type RunningMoto, startMoto } from '../support/moto';
import { health } from '../support/pipeline';

// The canary strategy in AWS mode: the Lambda handlers against moto and the CodeDeploy stand-in, two real
// hosts; h1 carries tarmac-canary=true. tarmac deploys through the canary group first (its ValidateService
// bakes), and through the environment's group once the canary's deployment succeeded.
const CONFIG = EXAMPLE_CONFIG.replace(
  'strategy: one-at-a-time',
  'strategy: { type: canary, hosts: 1, bake: 3 }',
).replace('health: { path: /health, timeout: 30 }', 'health: { path: /health, timeout: 8 }');

describe('canary on AWS (moto, the CodeDeploy stand-in, real hosts)', () => {
  let hosts: TestHosts;
  let moto: RunningMoto;
  let codeDeploy: CodeDeployService;
  let events: EventSource;
  let aws: AwsAdapters;
  let intake: ReturnType<typeof intakeClient>;
  let tarballs: ReturnType<typeof buildFixture>;
  let dir: string;
  const slack = slackStandIn();

  const versionsOn = () => Promise.all(hosts.hosts.map(async (h) => (await health(h.address, 4001)).body.version));
  const groups = () => [...codeDeploy.records.values()].map((r) => `${r.deploymentGroupName} ${r.status}`);
  const ship = async (version: '1.0.0' | '3.0.0', sha: string) => {
    const artifact = await intake.upload('hello', version, tarballs[version]);
    const build = { id: `ci-${version}`, app: 'hello', version, sha, branch: 'main', artifact };
    expect((await intake.build(build)).status).toBe(202);
    expect((await intake.push(sha)).status).toBe(202);
  };

  beforeAll(async () => {
    tarballs = buildFixture();
    hosts = await bootTestHosts(2);
    moto = await startMoto({ listen: '0.0.0.0' });
    const config = parseConfig(CONFIG);
    const stack = await createMotoStack(moto, config, { visibilityTimeoutSec: 20 });
    const instances: Instance[] = hosts.hosts.map((h) => ({
      instanceId: `i-${String(h.index).padStart(17, '0')}`,
      host: h.name,
      machineAddress: h.machineAddress,
      tags: { 'tarmac-fleet': 'web', ...(h.name === 'h1' ? { 'tarmac-canary': 'true' } : {}) } as Record<
        string,
        string
      >,
    }));
    for (const h of hosts.hosts) await installAwsCli(hosts.manager, h.name);
    let deployEvents: (event: Record<string, unknown>) => Promise<void> = async () => {};
    codeDeploy = await startCodeDeployService({
      moto,
      hosts,
      instances,
      bucket: stack.bucket,
      notify: (event) => deployEvents(event),
    });
    dir = mkdtempSync(join(tmpdir(), 'tarmac-aws-canary-'));
    writeFileSync(join(dir, 'tarmac.yml'), CONFIG);
    for (const [name, value] of Object.entries({
      ...moto.env,
      ...stack.functionEnv,
      AWS_ENDPOINT_URL_CODEDEPLOY: codeDeploy.endpoint,
      TARMAC_CONFIG: join(dir, 'tarmac.yml'),
      TARMAC_LOG_LEVEL: 'warn',
    })) {
      vi.stubEnv(name, value);
    }
    vi.stubGlobal('fetch', slack.fetch);
    const webhook = await import('../../functions/handlers/webhook');
    const worker = await import('../../functions/handlers/worker');
    const deployEventsModule = await import('../../functions/handlers/deploy-events');
    deployEvents = (event) => deployEventsModule.handler(event as never);
    aws = openAwsAdapters(process.env);
    intake = intakeClient(webhook.handler as never);
    events = startEventSource({
      client: new SQSClient(moto.clientConfig),
      queueUrl: stack.queueUrl,
      queueArn: stack.queueArn,
      region: moto.clientConfig.region,
      handler: (event) => worker.handler(event),
    });
  }, 900_000); // includes waiting for the machine-wide host lock while other files hold it

  afterAll(async () => {
    await events?.stop();
    await codeDeploy?.stop();
    await moto?.stop();
    await hosts?.teardown();
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('deploys the canary group first, then the environment group once the canary succeeded', async () => {
    await ship('1.0.0', '1'.repeat(40));
    const deployment = await settled(aws, 'staging', 1);
    expect(deployment, deployment.error).toMatchObject({ status: 'succeeded', version: '1.0.0' });
    expect(groups()).toEqual(['hello-staging.canary Succeeded', 'hello-staging Succeeded']);
    const [canary, rest] = [...codeDeploy.records.values()];
    expect(canary?.deploymentConfigName).toBe('CodeDeployDefault.AllAtOnce');
    expect(rest?.revision).toEqual(canary?.revision);
    expect(await versionsOn()).toEqual(['1.0.0', '1.0.0']);
    expect(codeDeploy.errors).toEqual([]);
  }, 240_000);

  it('rolls a failing canary back through CodeDeploy and never deploys the environment group', async () => {
    await ship('3.0.0', '3'.repeat(40));
    const deployment = await settled(aws, 'staging', 2);
    expect(deployment.status).toBe('rolled_back');
    // The canary's deployment failed, CodeDeploy rolled its group back; no deployment of hello-staging.
    expect(groups().slice(2)).toEqual(['hello-staging.canary Failed', 'hello-staging.canary Succeeded']);
    expect(await versionsOn()).toEqual(['1.0.0', '1.0.0']);
  }, 240_000);
});
