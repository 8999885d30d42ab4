import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeImagesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStateStore } from '../../functions/adapters/aws/dynamodb-state';
import { SsmSecretStore } from '../../functions/adapters/aws/ssm-secrets';
import { onPath } from '../../functions/adapters/aws/ssm-session';
import { main } from '../../functions/cli/main';
import { memoryOutput } from '../../functions/cli/output';
import type { Deployment } from '../../functions/core/deployments';
import { accessHistory } from '../../functions/state/access';
import { createDeployment } from '../../functions/state/deployments';
import { REPO_ROOT } from '../support/fixture';
import { type RunningMoto, startMoto } from '../support/moto';
import { createStateTable } from '../support/state-table';

// `--aws` logs, eval and console against moto. moto records SendCommand (and answers ListCommands and
// GetCommandInvocation with an empty Success) but runs nothing on any instance, has no agent, no
// ListCommandInvocations and no Session Manager. So this proves: the fleet's instances are found by its
// ec2_tags on EC2, one AWS-RunShellScript command goes to each with the right script, the invocation is
// awaited, eval is audited in the DynamoDB state table, and what is refused is refused before anything is
// sent. It does not prove that a real agent runs the script (the same argv runs on real hosts in
// test/integration/operator-access.test.ts) nor that output comes back (shapes: ssm-hosts.test.ts).
// moto quirk: a command sent with InstanceIds and no Targets lists every EC2 instance of the account (it
// resolves the empty Targets as an unfiltered DescribeInstances), so which instance a command went to is
// checked here by count and by the --host runs; the exact InstanceIds are checked in ssm-hosts.test.ts.
let moto: RunningMoto;
let dir: string;
let fleet: string[];
let other: string;
let state: DynamoStateStore;
const saved = { ...process.env };

async function tarmac(...args: string[]) {
  const out = memoryOutput();
  const code = await main(['node', 'tarmac', '--config', join(dir, 'tarmac.yml'), '--data', dir, ...args], out);
  return { code, stdout: out.out.join(''), stderr: out.err.join('') };
}

async function sentCommands() {
  const ssm = new SSMClient(moto.clientConfig);
  const { Commands = [] } = await ssm.send(new ListCommandsCommand({}));
  return Commands.map((c) => ({
    instances: c.InstanceIds ?? [],
    script: (c.Parameters?.commands ?? []).join('\n'),
    comment: c.Comment,
  }));
}

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, moto.env);
  dir = mkdtempSync(join(tmpdir(), 'tarmac-aws-access-'));
  copyFileSync(join(REPO_ROOT, 'examples/tarmac.yml'), join(dir, 'tarmac.yml'));
  const ec2 = new EC2Client(moto.clientConfig);
  const image = (await ec2.send(new DescribeImagesCommand({}))).Images?.[0]?.ImageId;
  const launch = async (tags: Record<string, string>, count: number) =>
    (
      await ec2.send(
        new RunInstancesCommand({
          ImageId: image,
          MinCount: count,
          MaxCount: count,
          TagSpecifications: [
            { ResourceType: 'instance', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
          ],
        }),
      )
    ).Instances?.map((i) => i.InstanceId as string) ?? [];
  fleet = (await launch({ 'tarmac-fleet': 'web' }, 2)).sort();
  other = (await launch({ 'tarmac-fleet': 'batch' }, 1)).join();
  const secrets = new SsmSecretStore({ clientConfig: moto.clientConfig });
  await secrets.set('hello/staging', 'erlang_cookie', 'cookie-7c1f0e9d2b');
  await secrets.set('hello/staging', 'secret_key_base', 'skb-aa11bb22cc33');
  await secrets.set('hello/staging', 'database_password', 'pw-0d9e8f7a6b');
  const table = await createStateTable(new DynamoDBClient(moto.clientConfig), 'tarmac-state');
  process.env.TARMAC_STATE_TABLE = table;
  state = new DynamoStateStore({ table, clientConfig: moto.clientConfig });
}, 60_000);

afterAll(async () => {
  process.env = saved;
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tarmac logs, eval and console with --aws (moto)', { timeout: 60_000 }, () => {
  it('sends one journalctl command to each instance of the fleet, found by its ec2_tags', async () => {
    const run = await tarmac('logs', 'hello', 'staging', '--aws', '--lines', '7');
    expect(run.code, run.stderr).toBe(0);
    const sent = await sentCommands();
    expect(sent).toHaveLength(fleet.length);
    // Pins moto's quirk (above): when it starts listing only the requested instance, check them here.
    expect(sent[0]?.instances.sort()).toEqual([...fleet, other].sort());
    for (const c of sent) {
      expect(c.comment).toBe('tarmac logs hello/staging');
      expect(c.script).toContain("'journalctl' '--unit=tarmac-hello-staging.service' '--output=short-unix'");
      expect(c.script).toContain("'--lines=7'");
    }
  });

  it("reads a deployment's window from the state table into --since and --until", async () => {
    const before = (await sentCommands()).length;
    await createDeployment(state, deployment('d-window', '2026-12-01T10:00:00.000Z', '2026-12-01T10:05:00.000Z'));
    const run = await tarmac(
      'logs',
      'hello',
      'staging',
      '--aws',
      '--host',
      fleet[0] as string,
      '--deployment',
      'd-window',
    );
    expect(run.code, run.stderr).toBe(0);
    const sent = (await sentCommands()).slice(before);
    expect(sent).toHaveLength(1);
    const since = Date.parse('2026-12-01T10:00:00.000Z') / 1000;
    expect(sent[0]?.script).toContain(`'--since=@${since}' '--until=@${since + 300}'`);
    expect(sent[0]?.script).not.toContain('--lines');
  });

  it('sends eval as the transient rpc unit to the chosen instance and audits it in the state table', async () => {
    const before = (await sentCommands()).length;
    const run = await tarmac(
      'eval',
      'hello',
      'staging',
      '--aws',
      '--host',
      fleet[1] as string,
      'IO.puts("skb-aa11bb22cc33")',
    );
    expect(run.code, run.stderr).toBe(0);
    const [sent] = (await sentCommands()).slice(before);
    expect(sent?.script).toContain("'systemd-run' '--quiet' '--wait' '--collect' '--service-type=exec' '--pipe'");
    expect(sent?.script).toContain("'/opt/tarmac/hello/staging/bin/tarmac-start' 'rpc'");
    const [record] = await accessHistory(state, 'hello', 'staging');
    expect(record).toMatchObject({
      kind: 'eval',
      host: fleet[1],
      via: 'aws',
      exitCode: 0,
      expression: 'IO.puts("[redacted secret_key_base]")',
    });
  });

  it('refuses an instance outside the fleet, and an eval it could not audit, before sending anything', async () => {
    const before = (await sentCommands()).length;
    const outside = await tarmac('eval', 'hello', 'staging', '--aws', '--host', other, '1');
    expect(outside.stderr).toContain(`host ${other} is not one of fleet web's`);
    delete process.env.TARMAC_STATE_TABLE;
    try {
      const unaudited = await tarmac('eval', 'hello', 'staging', '--aws', '--host', fleet[0] as string, '1');
      expect(unaudited.code).toBe(1);
      expect(unaudited.stderr).toContain('set TARMAC_STATE_TABLE');
    } finally {
      process.env.TARMAC_STATE_TABLE = 'tarmac-state';
    }
    expect(await sentCommands()).toHaveLength(before);
  });

  it('says clearly that the Session Manager plugin is missing, with the call to run by hand', async () => {
    expect(onPath('session-manager-plugin')).toBe(false);
    const piped = await tarmac('console', 'hello', 'staging', '--aws', '--host', fleet[0] as string);
    expect(piped.stderr).toContain('tarmac console needs a terminal (stdin is not one) — for scripts use tarmac eval');
    // As from an operator's terminal:
    Object.defineProperty(process.stdin, 'isTTY', { value: true, configurable: true });
    const run = await tarmac('console', 'hello', 'staging', '--aws', '--host', fleet[0] as string).finally(() =>
      Object.defineProperty(process.stdin, 'isTTY', { value: undefined, configurable: true }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the Session Manager plugin (session-manager-plugin) is not on PATH');
    expect(run.stderr).toContain(
      `aws ssm start-session --target ${fleet[0]} --document-name AWS-StartInteractiveCommand`,
    );
    expect(run.stderr).toContain('tarmac-start');
  });
});

function deployment(id: string, startedAt: string, endedAt: string): Deployment {
  return {
    id,
    app: 'hello',
    env: 'staging',
    fleet: 'web',
    releaseId: 'r1',
    version: '1.0.0',
    sha256: 'a'.repeat(64),
    status: 'succeeded',
    trigger: 'cli',
    requestedBy: 'alice',
    correlationId: 'c1',
    createdAt: startedAt,
    startedAt,
    endedAt,
    hosts: [],
  };
}
