import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeImagesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoStateStore } from '../../functions/adapters/aws/dynamodb-state';
import { SsmSecretStore } from '../../functions/adapters/aws/ssm-secrets';
import { main } from '../../functions/cli/main';
import { memoryOutput } from '../../functions/cli/output';
import { parseConfig } from '../../functions/core/config';
import { accessHistory } from '../../functions/state/access';
import { issueToken } from '../../functions/state/tokens';
import { type EventSource, startEventSource } from '../support/aws-event-source';
import { createMotoStack } from '../support/aws-stack';
import { REPO_ROOT } from '../support/fixture';
import { EXAMPLE_CONFIG } from '../support/http-harness';
import { startLambdaFront } from '../support/lambda-front';
import { type RunningMoto, startMoto } from '../support/moto';

/**
 * `--server` against the webhook Lambda (AWS mode): the CLI talks HTTP to the handler (through a stand-in for
 * its Function URL), the write API queues jobs on SQS FIFO (moto), the worker Lambda runs them (through a
 * stand-in for the event source mapping) over DynamoDB, with the tokens in SSM. The answers are the ones a
 * local run prints.
 */
describe('tarmac --server against the webhook Lambda on moto', () => {
  let moto: RunningMoto;
  let events: EventSource;
  let front: Awaited<ReturnType<typeof startLambdaFront>>;
  const elsewhere = mkdtempSync(join(tmpdir(), 'tarmac-lambda-cli-'));
  const tokens: Record<string, string> = {};
  let fleet: string[];
  let table: string;

  beforeAll(async () => {
    moto = await startMoto();
    const stack = await createMotoStack(moto, parseConfig(EXAMPLE_CONFIG), { visibilityTimeoutSec: 5 });
    const ssm = new SsmSecretStore({ client: new SSMClient(moto.clientConfig) });
    const clock = { now: () => new Date() };
    tokens.ci = await issueToken(ssm, clock, { name: 'ci_bot', scope: 'deploy', environments: ['hello/*'] });
    tokens.viewer = await issueToken(ssm, clock, { name: 'viewer', scope: 'read', environments: [] });
    await ssm.set('hello/staging', 'secret_key_base', 'skb-lambda-7e6d5c4b');
    table = stack.functionEnv.TARMAC_TABLE as string;
    // Two instances of fleet web (tag tarmac-fleet=web), as the webhook's SSM Run Command finds them.
    const ec2 = new EC2Client(moto.clientConfig);
    const image = (await ec2.send(new DescribeImagesCommand({}))).Images?.[0]?.ImageId;
    const launched = await ec2.send(
      new RunInstancesCommand({
        ImageId: image,
        MinCount: 2,
        MaxCount: 2,
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'tarmac-fleet', Value: 'web' }] }],
      }),
    );
    fleet = (launched.Instances ?? []).map((i) => i.InstanceId as string).sort();
    for (const [name, value] of Object.entries({
      ...moto.env,
      ...stack.functionEnv,
      TARMAC_CONFIG: join(REPO_ROOT, 'examples/tarmac.yml'),
      TARMAC_LOG_LEVEL: 'warn',
    })) {
      vi.stubEnv(name, value);
    }
    const webhook = await import('../../functions/handlers/webhook');
    const worker = await import('../../functions/handlers/worker');
    front = await startLambdaFront(webhook.handler as never);
    events = startEventSource({
      client: new SQSClient(moto.clientConfig),
      queueUrl: stack.queueUrl,
      queueArn: stack.queueArn,
      region: moto.clientConfig.region,
      handler: (event) => worker.handler(event),
    });
  }, 120_000);

  afterAll(async () => {
    await events?.stop();
    await front?.close();
    await moto?.stop();
    vi.unstubAllEnvs();
    rmSync(elsewhere, { recursive: true, force: true });
  });

  const tarmac = async (token: string | undefined, ...args: string[]) => {
    vi.stubEnv('TARMAC_TOKEN', token ?? '');
    const out = memoryOutput();
    const where = ['--config', join(elsewhere, 'none.yml'), '--data', join(elsewhere, '.tarmac')];
    const code = await main(['node', 'tarmac', ...where, '--server', front.url, ...args], out);
    return { code, stdout: out.out.join(''), stderr: out.err.join('') };
  };

  it('locks and unlocks through the Lambda, the token name as who did it', async () => {
    expect(await tarmac(tokens.ci, 'lock', 'hello', 'production', '--reason', 'freeze')).toEqual({
      code: 0,
      stdout: 'hello/production locked by ci_bot: "freeze"\n',
      stderr: '',
    });
    const status = await tarmac(tokens.viewer, 'status');
    expect(status.stdout).toMatch(/hello\/production\s+\(nothing deployed\)\n {2}locked by ci_bot \d+ s ago: "freeze"/);
    expect(status.stdout).toContain('fleet web                free\n');
    expect((await tarmac(tokens.ci, 'unlock', 'hello', 'production')).stdout).toBe(
      'hello/production unlocked by ci_bot\n',
    );
    expect(JSON.parse((await tarmac(tokens.viewer, '--json', 'history', 'hello', 'production')).stdout)).toEqual([]);
  }, 60_000);

  it('answers deploy, abort, plan and fleet free with the messages of a local run', async () => {
    expect((await tarmac(tokens.ci, 'deploy', 'hello', 'staging', '--wait')).stderr).toBe(
      'error: hello: no accepted release at all — push one with tarmac release push\n',
    );
    expect((await tarmac(tokens.ci, 'abort', 'hello', 'staging')).stderr).toBe(
      'error: hello/staging: nothing to abort — no deployment of it runs\n',
    );
    expect((await tarmac(tokens.viewer, 'plan', 'hello', 'staging')).stderr).toBe(
      'error: hello: no accepted release yet — tarmac release push <tarball> --app hello --version <v>\n',
    );
    // Fleet-wide: a token limited to hello/* may not free a fleet.
    expect((await tarmac(tokens.ci, 'fleet', 'free', 'web', '--reason', 'x')).stderr).toBe(
      'error: token "ci_bot" may change only hello/* — not fleet-wide requests\n',
    );
  }, 60_000);

  it('refuses writes with a read token and without one, and reads without one', async () => {
    expect((await tarmac(tokens.viewer, 'rollback', 'hello', 'staging')).stderr).toMatch(
      /token "viewer" is a read token/,
    );
    expect((await tarmac(undefined, 'status')).stderr).toMatch(/a token is required and none was sent/);
  }, 60_000);

  // moto records SendCommand and answers GetCommandInvocation with an empty Success, running nothing: this
  // proves the webhook finds the fleet's instances by its tags, sends each the journalctl or rpc script
  // (named in the Comment), answers as the CLI expects and audits eval with the token's name. The commands'
  // effect on a real instance is proven on real hosts (integration/operator-access.test.ts) with the same argv.
  const sentCommands = async () =>
    ((await new SSMClient(moto.clientConfig).send(new ListCommandsCommand({}))).Commands ?? []).map((c) => ({
      script: (c.Parameters?.commands ?? []).join('\n'),
      comment: c.Comment,
    }));

  it('runs logs and eval through the Lambda on the fleet’s instances, eval audited by the token', async () => {
    const logs = await tarmac(tokens.viewer, 'logs', 'hello', 'staging', '--lines', '7');
    expect(logs).toEqual({
      code: 0,
      stdout: '',
      stderr: 'no journal entries of tarmac-hello-staging.service in this range\n',
    });
    const sent = await sentCommands();
    expect(sent.filter((c) => c.comment === 'tarmac logs hello/staging')).toHaveLength(fleet.length);
    expect(sent[0]?.script).toContain("'journalctl' '--unit=tarmac-hello-staging.service' '--output=short-unix'");
    expect(sent[0]?.script).toContain("'--lines=7'");
    const other = await tarmac(tokens.viewer, 'logs', 'hello', 'staging', '--host', 'i-00000000');
    expect(other.stderr).toMatch(/^error: host i-00000000 is not one of fleet web's \(hosts: i-/);

    const run = await tarmac(
      tokens.ci,
      'eval',
      'hello',
      'staging',
      '--host',
      fleet[1] as string,
      'IO.puts("skb-lambda-7e6d5c4b")',
    );
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    const evals = (await sentCommands()).filter((c) => c.comment === 'tarmac eval hello/staging by ci_bot');
    expect(evals).toHaveLength(1);
    expect(evals[0]?.script).toContain("'systemd-run' '--quiet' '--wait' '--collect' '--service-type=exec' '--pipe'");
    const state = new DynamoStateStore({ table, clientConfig: moto.clientConfig });
    const [record] = await accessHistory(state, 'hello', 'staging');
    expect(record).toMatchObject({
      kind: 'eval',
      host: fleet[1],
      by: 'ci_bot',
      via: 'aws',
      exitCode: 0,
      expression: 'IO.puts("[redacted secret_key_base]")',
    });
    expect(record?.endedAt).toBeDefined();
    const read = await tarmac(tokens.viewer, 'eval', 'hello', 'staging', '--host', fleet[0] as string, '1');
    expect(read.stderr).toMatch(/token "viewer" is a read token/);
  }, 60_000);
});
