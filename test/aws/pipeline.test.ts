import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AwsAdapters, openAwsAdapters } from '../../functions/adapters/aws';
import { ROLLBACK_CREATOR } from '../../functions/adapters/aws/codedeploy-rollbacks';
import { SsmSecretStore } from '../../functions/adapters/aws/ssm-secrets';
import { main } from '../../functions/cli/main';
import { memoryOutput } from '../../functions/cli/output';
import { parseConfig } from '../../functions/core/config';
import { deploymentHistory, getCurrent, getDeployment } from '../../functions/state/deployments';
import { listFailedJobs } from '../../functions/state/failed-jobs';
import { inspectFleet } from '../../functions/state/fleet-health';
import { fleetHolder } from '../../functions/state/fleets';
import { getLock } from '../../functions/state/locks';
import { listReleases } from '../../functions/state/releases';
import { issueToken } from '../../functions/state/tokens';
import { type EventSource, startEventSource } from '../support/aws-event-source';
import { intakeClient, settled, slackStandIn } from '../support/aws-pipeline';
import { createMotoStack, type MotoStack } from '../support/aws-stack';
import type { Instance } from '../support/codedeploy-agent';
import { installAwsCli } from '../support/codedeploy-agent';
import { type CodeDeployService, type DeploymentRecord, startCodeDeployService } from '../support/codedeploy-service';
import { buildFixture } from '../support/fixture';
import { bootTestHosts, type TestHosts } from '../support/hosts';
import { EXAMPLE_CONFIG } from '../support/http-harness';
import { startLambdaFront } from '../support/lambda-front';
import { type RunningMoto, startMoto } from '../support/moto';
import { health } from '../support/pipeline';

const SHA = { v1: '1'.repeat(40), v2: '2'.repeat(40), v3: '3'.repeat(40) };
const PORTS = { staging: 4001, production: 4002 } as const;
// The example config, with a short health timeout on staging so the failing release fails fast.
const CONFIG = EXAMPLE_CONFIG.replace(
  'health: { path: /health, timeout: 30 }',
  'health: { path: /health, timeout: 8 }',
);

/**
 * AWS mode end to end on this machine: the three Lambda handlers (webhook, worker, deploy-events) as the
 * stack wires them, against moto (S3, DynamoDB, SQS FIFO, SSM, CodeDeploy's create side), a stand-in for
 * Lambda's SQS event source mapping, and a stand-in for the CodeDeploy service that runs each deployment's
 * bundle on two real systemd hosts — whose hooks fetch the release from S3, read secrets from SSM and take
 * the migration lock in DynamoDB, all on moto, with the aws CLI.
 */
describe('AWS pipeline on moto and real hosts', () => {
  let hosts: TestHosts;
  let moto: RunningMoto;
  let stack: MotoStack;
  let codeDeploy: CodeDeployService;
  let events: EventSource;
  let aws: AwsAdapters;
  let intake: ReturnType<typeof intakeClient>;
  let tarballs: ReturnType<typeof buildFixture>;
  let dir: string;
  let front: Awaited<ReturnType<typeof startLambdaFront>>;
  let token: string;
  const slack = slackStandIn();
  const config = parseConfig(CONFIG);
  /** The CLI with `--server` (the webhook Lambda behind a Function URL stand-in), from a dir with no data. */
  const tarmac = async (...args: string[]) => {
    vi.stubEnv('TARMAC_TOKEN', token);
    const out = memoryOutput();
    const where = ['--config', join(dir, 'elsewhere', 'none.yml'), '--data', join(dir, 'elsewhere', '.tarmac')];
    const code = await main(['node', 'tarmac', ...where, '--server', front.url, ...args], out);
    return { code, stdout: out.out.join(''), stderr: out.err.join('') };
  };
  /** tarmac's view when CodeDeploy's rollback deployment began running. */
  const duringRollback: {
    holder?: string | undefined;
    stale?: string | undefined;
    status?: string | undefined;
    /** What `tarmac abort` answered then (`--server`, the Lambda). */
    abort?: { code: number; stdout: string; stderr: string };
  }[] = [];

  const versionsOn = (port: number) =>
    Promise.all(hosts.hosts.map(async (host) => (await health(host.address, port)).body.version));
  /** Nothing queued, in flight or deploying. */
  const quiet = async () => {
    for (let i = 0; i < 3; i++) {
      while (codeDeploy.isBusy()) await new Promise((r) => setTimeout(r, 200));
      await events.idle();
    }
  };
  const release = async (version: '1.0.0' | '2.0.0' | '3.0.0', sha: string) => {
    const artifact = await intake.upload('hello', version, tarballs[version]);
    return { id: `ci-${version}-${sha.slice(0, 8)}`, app: 'hello', version, sha, branch: 'main', artifact };
  };

  beforeAll(async () => {
    tarballs = buildFixture();
    hosts = await bootTestHosts(2);
    moto = await startMoto({ listen: '0.0.0.0' });
    stack = await createMotoStack(moto, config, { visibilityTimeoutSec: 20 });
    const instances: Instance[] = hosts.hosts.map((h) => ({
      instanceId: `i-${String(h.index).padStart(17, '0')}`,
      host: h.name,
      machineAddress: h.machineAddress,
      tags: { 'tarmac-fleet': 'web' },
    }));
    for (const h of hosts.hosts) await installAwsCli(hosts.manager, h.name);
    let deployEvents: (event: Record<string, unknown>) => Promise<void> = async () => {
      throw new Error('deploy-events is not loaded yet');
    };
    codeDeploy = await startCodeDeployService({
      moto,
      hosts,
      instances,
      bucket: stack.bucket,
      notify: (event) => deployEvents(event),
      beforeRollback: async (rollback: DeploymentRecord) => {
        await events.idle(); // the failed deployment's notifications are applied
        const triggering = rollback.rollbackInfo?.rollbackTriggeringDeploymentId;
        const [deployment] = await deploymentHistory(aws.state, 'hello', 'staging', 1);
        const fleet = await inspectFleet(aws.state, aws.deployer, 'web');
        duringRollback.push({
          holder: fleet.holder?.deploymentId,
          stale: fleet.stale,
          status: deployment?.externalId === triggering ? deployment?.status : `other: ${deployment?.externalId}`,
          // An abort now is too late to stop anything: the rollback is left to finish.
          abort: await tarmac('abort', 'hello', 'staging', '--reason', 'during the rollback'),
        });
      },
    });
    dir = mkdtempSync(join(tmpdir(), 'tarmac-aws-'));
    writeFileSync(join(dir, 'tarmac.yml'), CONFIG);
    // What the stack sets on every function, plus where "AWS" is: moto, and CodeDeploy's stand-in.
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
    token = await issueToken(
      new SsmSecretStore({ client: new SSMClient(moto.clientConfig) }),
      { now: () => new Date() },
      { name: 'ops_bot', scope: 'deploy', environments: [] },
    );
    const webhook = await import('../../functions/handlers/webhook');
    const worker = await import('../../functions/handlers/worker');
    const deployEventsModule = await import('../../functions/handlers/deploy-events');
    deployEvents = (event) => deployEventsModule.handler(event as never);
    aws = openAwsAdapters(process.env);
    intake = intakeClient(webhook.handler as never);
    front = await startLambdaFront(webhook.handler as never);
    events = startEventSource({
      client: new SQSClient(moto.clientConfig),
      queueUrl: stack.queueUrl,
      queueArn: stack.queueArn,
      region: moto.clientConfig.region,
      handler: (event) => worker.handler(event),
    });
  }, 300_000);

  afterAll(async () => {
    await events?.stop();
    await front?.close();
    await codeDeploy?.stop();
    await moto?.stop();
    await hosts?.teardown();
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('deploys a build to staging once when its push arrives, though CI sent the build event 10 times', async () => {
    const build = await release('1.0.0', SHA.v1);
    const answers = await Promise.all(Array.from({ length: 10 }, () => intake.build(build)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    expect((await intake.push(SHA.v1)).status).toBe(202);

    const deployment = await settled(aws, 'staging', 1);
    expect(deployment).toMatchObject({ status: 'succeeded', version: '1.0.0', trigger: 'push', requestedBy: 'carol' });
    expect(deployment.hosts.map((h) => [h.host, h.status])).toEqual([
      ['i-00000000000000001', 'succeeded'],
      ['i-00000000000000002', 'succeeded'],
    ]);
    expect(await versionsOn(PORTS.staging)).toEqual(['1.0.0', '1.0.0']);
    await quiet();
    expect(await listReleases(aws.state, 'hello')).toHaveLength(1);
    expect(await deploymentHistory(aws.state, 'hello', 'staging')).toHaveLength(1);
    expect([...codeDeploy.records.values()].map((r) => r.deploymentGroupName)).toEqual(['hello-staging']);
    expect(codeDeploy.errors).toEqual([]);
  }, 200_000);

  it('ran the bundle’s AWS paths: release from S3, secrets from SSM, the migration lock in DynamoDB', async () => {
    const [deployment] = await deploymentHistory(aws.state, 'hello', 'staging', 1);
    const s3 = new S3Client(moto.clientConfig);
    const bundle = await s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: deployment?.bundle?.key }));
    const bundleFile = join(dir, 'bundle.tgz');
    writeFileSync(bundleFile, await (bundle.Body?.transformToByteArray() ?? new Uint8Array()));
    const releaseJson = JSON.parse(
      execFileSync('tar', ['-xzOf', bundleFile, 'tarmac/release.json'], { encoding: 'utf8' }),
    );
    expect(releaseJson.url).toBe(`s3://${stack.bucket}/sha256/${deployment?.sha256}`);
    for (const host of hosts.hosts) {
      const credentials = `/proc/${host.pid1}/root/etc/tarmac/hello-staging/credentials`;
      expect(readFileSync(`${credentials}/database_password`, 'utf8')).toBe('pw-hello-staging');
      // `current` points at an absolute path inside the host: resolve it there, not on the machine.
      const current = readlinkSync(`/proc/${host.pid1}/root/opt/tarmac/hello/staging/current`);
      expect(readFileSync(`/proc/${host.pid1}/root${current}/.tarmac-sha256`, 'utf8').trim()).toBe(deployment?.sha256);
    }
    const dynamo = new DynamoDBClient(moto.clientConfig);
    const lock = await dynamo.send(
      new GetItemCommand({
        TableName: stack.table,
        Key: { pk: { S: `migration#hello#staging#${deployment?.id}` }, sk: { S: 'migration' } },
      }),
    );
    expect(lock.Item?.status?.S).toBe('done');
    s3.destroy();
    dynamo.destroy();

    // No secret value in the bundle, a queue message, tarmac's records or what the hooks printed.
    const values = Object.values(await aws.secrets.getAll('hello/staging'));
    expect(values).toContain('pw-hello-staging');
    const bundleText = execFileSync('tar', ['-xzOf', bundleFile], { encoding: 'latin1', maxBuffer: 64 << 20 });
    const seen = [
      bundleText,
      ...events.invocations.flatMap((i) => i.records.map((r) => r.body)),
      JSON.stringify(await deploymentHistory(aws.state, 'hello', 'staging')),
      JSON.stringify([...codeDeploy.records.values()].map((r) => r.targets)),
    ].join('\n');
    expect(values.filter((value) => seen.includes(value))).toEqual([]);
  });

  it('promotes the very same tarball to production from Slack', async () => {
    const answer = await intake.slack('promote hello staging to production');
    expect(answer.status).toBe(200);
    const deployment = await settled(aws, 'production', 1);
    expect(deployment).toMatchObject({ status: 'succeeded', trigger: 'promote', version: '1.0.0' });
    expect(deployment.sha256).toBe((await getCurrent(aws.state, 'hello', 'staging'))?.sha256);
    expect(await versionsOn(PORTS.production)).toEqual(['1.0.0', '1.0.0']);
    await quiet();
    expect(slack.posts.at(-1)?.body).toMatchObject({
      text: expect.stringContaining('hello/production 1.0.0: succeeded'),
    });
  }, 200_000);

  it('does not deploy a push while staging is locked', async () => {
    expect((await intake.slack('lock hello staging db maintenance')).status).toBe(200);
    await quiet();
    expect(await getLock(aws.state, 'hello', 'staging')).toMatchObject({ reason: 'db maintenance' });
    const build = await release('2.0.0', SHA.v2);
    expect((await intake.build(build)).status).toBe(202);
    expect((await intake.push(SHA.v2)).status).toBe(202);
    await quiet();
    expect((await listReleases(aws.state, 'hello')).map((r) => r.version).sort()).toEqual(['1.0.0', '2.0.0']);
    expect(await deploymentHistory(aws.state, 'hello', 'staging')).toHaveLength(1);
    expect(await versionsOn(PORTS.staging)).toEqual(['1.0.0', '1.0.0']);
    expect((await intake.slack('unlock hello staging')).status).toBe(200);
    await quiet();
  }, 120_000);

  it('maps CodeDeploy’s automatic rollback of a release whose health fails, and holds the fleet until it ends', async () => {
    const build = await release('3.0.0', SHA.v3);
    expect((await intake.build(build)).status).toBe(202);
    expect((await intake.push(SHA.v3)).status).toBe(202);

    const deployment = await settled(aws, 'staging', 2);
    expect(deployment).toMatchObject({ status: 'rolled_back', version: '3.0.0' });
    expect(deployment.error).toContain(`CodeDeploy's automatic rollback`);
    // The first host failed ValidateService (its log tail recorded); one at a time, the second was never touched.
    expect(deployment.hosts.find((h) => h.host === 'i-00000000000000001')).toMatchObject({ status: 'failed' });
    const failedHook = deployment.hosts[0]?.events.find((e) => e.event === 'ValidateService');
    expect(failedHook).toMatchObject({ status: 'failed', tail: expect.stringContaining('did not answer 200') });

    const rollback = [...codeDeploy.records.values()].find((r) => r.creator === ROLLBACK_CREATOR);
    expect(rollback).toMatchObject({
      status: 'Succeeded',
      rollbackInfo: { rollbackTriggeringDeploymentId: deployment.externalId },
    });
    // While CodeDeploy's rollback ran, the fleet was held by the failed deployment, and not stale.
    expect(duringRollback).toEqual([
      {
        holder: deployment.id,
        stale: undefined,
        status: 'in_progress',
        abort: {
          code: 0,
          stdout: `hello/staging: deployment ${deployment.id} (3.0.0) already failed and is rolling back to the release before it — left to finish so no host is left half-way; the fleet is free when it ends\n`,
          stderr: '',
        },
      },
    ]);
    expect(deployment.aborted).toBeUndefined();
    await quiet();
    expect(await fleetHolder(aws.state, 'web')).toBeUndefined();
    expect(await versionsOn(PORTS.staging)).toEqual(['1.0.0', '1.0.0']);
    expect((await getCurrent(aws.state, 'hello', 'staging'))?.version).toBe('1.0.0');
    expect((await getDeployment(aws.state, deployment.id))?.status).toBe('rolled_back');
  }, 200_000);

  it('aborts a rollout through the Lambda mid-way: StopDeployment, CodeDeploy rolls both hosts back', async () => {
    const started = await tarmac('deploy', 'hello', 'staging', '--version', '2.0.0');
    expect(started).toMatchObject({ code: 0, stderr: '' });
    // Mid-rollout (one at a time): the first instance serves 2.0.0, the second runs its hooks.
    const running = async () => {
      for (;;) {
        const record = [...codeDeploy.records.values()].find((r) => r.description.includes('release 2.0.0-'));
        const [first, second] = record?.targets ?? [];
        if (record && first?.status === 'Succeeded' && second?.status === 'InProgress') return record;
        if (record && record.status !== 'Created' && record.status !== 'InProgress') throw new Error(record.status);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const stopped = await running();
    const aborted = await tarmac('abort', 'hello', 'staging', '--reason', 'error rate', '--wait');
    expect(aborted.stderr).toBe('');
    expect(aborted.stdout).toMatch(/^hello\/staging: aborting \S+ \(2\.0\.0\) — the hosts it touched roll back/);
    expect(aborted.stdout).toMatch(/hello\/staging 2\.0\.0: rolled back\n/);
    expect(aborted.code).toBe(0);

    expect(stopped.status).toBe('Stopped');
    // A second abort while CodeDeploy's rollback ran was left alone (and did not stop the rollback).
    expect(duringRollback.at(-1)?.abort?.stdout).toContain('already failed and is rolling back');
    // The second instance's running hook was stopped: it failed there, and it never got to ValidateService.
    expect(stopped.targets.map((t) => t.status)).toEqual(['Succeeded', 'Failed']);
    const rollback = [...codeDeploy.records.values()].find(
      (r) => r.rollbackInfo?.rollbackTriggeringDeploymentId === stopped.deploymentId,
    );
    expect(rollback).toMatchObject({ status: 'Succeeded', creator: ROLLBACK_CREATOR });
    expect(rollback?.targets.map((t) => [t.instance.host, t.status])).toEqual([
      ['h1', 'Succeeded'],
      ['h2', 'Succeeded'],
    ]);
    expect(await versionsOn(PORTS.staging)).toEqual(['1.0.0', '1.0.0']);
    await quiet();
    const deployment = await getDeployment(aws.state, stopped.description.split(' ')[2] ?? '');
    expect(deployment).toMatchObject({
      status: 'rolled_back',
      trigger: 'api',
      requestedBy: 'ops_bot',
      aborted: { by: 'ops_bot', reason: 'error rate' },
    });
    expect(deployment?.error).toContain(
      `CodeDeploy deployment ${stopped.deploymentId} of group hello-staging was stopped`,
    );
    expect(await fleetHolder(aws.state, 'web')).toBeUndefined();
    expect((await getCurrent(aws.state, 'hello', 'staging'))?.version).toBe('1.0.0');
    const history = await tarmac('history', 'hello', 'staging');
    expect(history.stdout.split('\n')[0]).toMatch(
      /2\.0\.0\s+rolled_back api\s+ops_bot .* aborted by ops_bot: "error rate"$/,
    );
    // Too late to abort now: nothing runs.
    expect((await tarmac('abort', 'hello', 'staging')).stderr).toBe(
      'error: hello/staging: nothing to abort — no deployment of it runs\n',
    );
    expect(codeDeploy.errors).toEqual([]);
  }, 240_000);

  it('runs the valid jobs behind a poison message in one group, and records the poison', async () => {
    const sqs = new SQSClient(moto.clientConfig);
    const send = (body: string, id: string) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.queueUrl,
          MessageGroupId: 'fleet-web',
          MessageDeduplicationId: id,
          MessageBody: body,
          MessageAttributes: { dedupKey: { DataType: 'String', StringValue: id } },
        }),
      );
    const job = (env: string, n: number) =>
      JSON.stringify({
        v: 1,
        type: 'lock',
        idempotencyKey: `poison-test-${n}`,
        correlationId: `poison-test-${n}`,
        app: 'hello',
        env,
        reason: `behind the poison ${n}`,
        by: 'ops',
      });
    await send('{ this is not json', 'poison-1');
    await send(job('staging', 1), 'poison-test-1');
    await send(job('production', 2), 'poison-test-2');
    await quiet();
    expect(await getLock(aws.state, 'hello', 'staging')).toMatchObject({ reason: 'behind the poison 1' });
    expect(await getLock(aws.state, 'hello', 'production')).toMatchObject({ reason: 'behind the poison 2' });
    const poisoned = events.invocations.flatMap((i) => i.records).filter((r) => r.body === '{ this is not json');
    expect(poisoned.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1']);
    const [failed] = await listFailedJobs(aws.state);
    expect(failed).toMatchObject({
      messageId: poisoned[0]?.messageId,
      reason: 'permanent',
      body: '{ this is not json',
    });
    const dlq = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.deadLetterQueueUrl, WaitTimeSeconds: 0 }));
    expect(dlq.Messages ?? []).toEqual([]);
    // The worker's handler never failed as a whole (a function error would redeliver the whole batch).
    expect(events.invocations.filter((i) => i.error)).toEqual([]);
    sqs.destroy();
  }, 120_000);

  it('changes nothing when a job is delivered again after its message was deleted', async () => {
    // AWS: "If a message with a particular message deduplication ID is sent successfully, any messages sent
    // with the same message deduplication ID are accepted successfully but aren't delivered during the
    // 5-minute deduplication interval." moto forgets the id once the message is deleted and delivers the
    // copy: either way the worker's exactly-once record must make it a no-op, which is what is checked.
    const ingest = events.invocations
      .flatMap((i) => i.records)
      .find((r) => (JSON.parse(r.body) as { type?: string }).type === 'ingest');
    const deployments = (await deploymentHistory(aws.state, 'hello', 'staging')).length;
    const sqs = new SQSClient(moto.clientConfig);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.queueUrl,
        MessageGroupId: ingest?.attributes.MessageGroupId,
        MessageDeduplicationId: ingest?.attributes.MessageDeduplicationId,
        MessageBody: ingest?.body,
        MessageAttributes: {
          dedupKey: { DataType: 'String', StringValue: ingest?.messageAttributes.dedupKey?.stringValue },
        },
      }),
    );
    sqs.destroy();
    await quiet();
    expect((await listReleases(aws.state, 'hello')).map((r) => r.version).sort()).toEqual(['1.0.0', '2.0.0', '3.0.0']);
    expect(await deploymentHistory(aws.state, 'hello', 'staging')).toHaveLength(deployments);
  }, 60_000);
});
