import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeImagesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
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
import { buildFixture, REPO_ROOT } from '../support/fixture';
import { EXAMPLE_CONFIG, SECRETS } from '../support/http-harness';
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
  let bucket = '';
  const instances: string[] = [];
  let store: SsmSecretStore;
  let fleet: string[];
  let table: string;

  beforeAll(async () => {
    moto = await startMoto();
    const stack = await createMotoStack(moto, parseConfig(EXAMPLE_CONFIG), { visibilityTimeoutSec: 5 });
    bucket = stack.bucket;
    const ssm = new SsmSecretStore({ client: new SSMClient(moto.clientConfig) });
    const clock = { now: () => new Date() };
    tokens.ci = await issueToken(ssm, clock, { name: 'ci_bot', scope: 'deploy', environments: ['hello/*'] });
    tokens.viewer = await issueToken(ssm, clock, { name: 'viewer', scope: 'read', environments: [] });
    tokens.root = await issueToken(ssm, clock, { name: 'root', scope: 'admin', environments: [] });
    store = ssm;
    const ec2 = new EC2Client(moto.clientConfig);
    const image = (await ec2.send(new DescribeImagesCommand({}))).Images?.[0]?.ImageId;
    const tags = [{ ResourceType: 'instance' as const, Tags: [{ Key: 'tarmac-fleet', Value: 'web' }] }];
    const run = await ec2.send(
      new RunInstancesCommand({ ImageId: image, MinCount: 2, MaxCount: 2, TagSpecifications: tags }),
    );
    instances.push(...(run.Instances ?? []).map((i) => i.InstanceId as string));
    await ssm.set('hello/staging', 'secret_key_base', 'skb-lambda-7e6d5c4b');
    table = stack.functionEnv.TARMAC_TABLE as string;
    // The two instances of fleet web (tag tarmac-fleet=web), as the webhook's SSM Run Command finds them.
    fleet = [...instances].sort();
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

  it('pushes a release through a presigned S3 PUT (no big body through the Lambda), written once under its sha256', async () => {
    const tarball = buildFixture()['1.0.0'];
    vi.stubEnv('TARMAC_BUILD_SECRET', SECRETS.build_webhook_secret);
    const push = ['release', 'push', tarball, '--app', 'hello', '--version', '1.0.0', '--wait', '--timeout', '60'];
    const pushed = await tarmac(tokens.viewer, ...push);
    expect(pushed.stderr).toBe('');
    expect(pushed.stdout).toMatch(/accepted/);
    const sha256 = createHash('sha256').update(readFileSync(tarball)).digest('hex');
    // Straight to its final key: no uploads/ object, no tmp/ copy (moto, like s3rver, does not verify the
    // signed checksum itself; the S3 adapter's tests check what the URL signs).
    const s3 = new S3Client(moto.clientConfig);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect((listed.Contents ?? []).map((o) => o.Key)).toEqual([`sha256/${sha256}`]);
    s3.destroy();
  }, 120_000);

  it('sets, lists and initialises secrets in SSM through the Lambda with an admin token, the same lines as locally', async () => {
    const file = join(elsewhere, 'value');
    writeFileSync(file, 'lambda-db-password-0123\n');
    expect(
      await tarmac(tokens.root, 'secrets', 'set', 'hello/staging', 'database_password', '--value-file', file),
    ).toEqual({
      code: 0,
      stdout: 'hello/staging/database_password: set\n',
      stderr: '',
    });
    expect(await store.get('hello/staging', 'database_password')).toBe('lambda-db-password-0123');
    // The stack's setup may have generated them already: either way nothing is replaced.
    expect((await tarmac(tokens.root, 'secrets', 'init', 'hello', 'staging')).stdout).toMatch(
      /^hello\/staging: (generated erlang_cookie, secret_key_base|nothing to generate)\n$/,
    );
    expect((await tarmac(tokens.root, 'secrets', 'list', 'hello/staging')).stdout).toBe(
      'database_password\nerlang_cookie\nsecret_key_base\n',
    );
    expect((await tarmac(tokens.ci, 'secrets', 'list', 'hello/staging')).stderr).toMatch(
      /token "ci_bot" is a deploy token — secrets and tokens need an admin token/,
    );
  }, 60_000);

  it('creates, lists and revokes tokens in SSM through the Lambda; the new token works at once there', async () => {
    const created = await tarmac(tokens.root, 'tokens', 'create', 'bob', '--scope', 'read');
    expect(created.code, created.stderr).toBe(0);
    const bob = created.stdout.trim();
    expect((await tarmac(bob, 'status')).code).toBe(0);
    expect((await tarmac(tokens.root, 'tokens', 'list')).stdout).toMatch(/^bob {18}read {2}created /m);
    expect((await tarmac(tokens.root, 'tokens', 'revoke', 'bob')).stdout).toBe('token bob: revoked\n');
    expect((await tarmac(bob, 'status')).stderr).toMatch(/was revoked/);
  }, 60_000);

  it('console: finds the fleet by tag on EC2 and refuses what it must before any session starts', async () => {
    const tty = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY');
    Object.defineProperty(process.stdin, 'isTTY', { value: true, configurable: true });
    try {
      const several = await tarmac(tokens.ci, 'console', 'hello', 'staging');
      expect(several.stderr).toMatch(/^error: fleet web has 2 instances \(i-\w+, i-\w+\) — say which with --host\n$/);
      for (const id of instances) expect(several.stderr).toContain(id);
      expect((await tarmac(tokens.ci, 'console', 'hello', 'staging', '--host', 'i-0nope')).stderr).toMatch(
        /host i-0nope is not one of fleet web's \(instances: /,
      );
      expect((await tarmac(tokens.viewer, 'console', 'hello', 'staging', '--host', instances[0] ?? '')).stderr).toMatch(
        /token "viewer" is a read token/,
      );
    } finally {
      if (tty) Object.defineProperty(process.stdin, 'isTTY', tty);
      else Reflect.deleteProperty(process.stdin, 'isTTY');
    }
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
