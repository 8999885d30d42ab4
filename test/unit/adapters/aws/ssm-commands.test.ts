import { execFileSync } from 'node:child_process';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsmFleetCommands } from '../../../../functions/adapters/aws/ssm-commands';
import { maintenanceScript } from '../../../../functions/core/maintenance';
import { type RunningMoto, startMoto } from '../../../support/moto';

// moto answers DescribeInstances, SendCommand and GetCommandInvocation (every invocation a Success); it runs
// nothing on an instance. So this proves the request tarmac
// sends and how it reads the answer, not that an instance's SSM agent switches the flag.
let moto: RunningMoto;
let ssm: SSMClient;
let ec2: EC2Client;
const instances: string[] = [];

const runInstances = (tags: string) =>
  JSON.parse(
    execFileSync(
      'aws',
      [
        'ec2',
        'run-instances',
        '--image-id',
        'ami-12c6146b',
        '--count',
        '1',
        '--tag-specifications',
        tags,
        '--output',
        'json',
      ],
      { env: { ...process.env, ...moto.env }, encoding: 'utf8' },
    ),
  ).Instances[0].InstanceId as string;

beforeAll(async () => {
  moto = await startMoto();
  ssm = new SSMClient(moto.clientConfig);
  ec2 = new EC2Client(moto.clientConfig);
  instances.push(runInstances('ResourceType=instance,Tags=[{Key=tarmac-fleet,Value=web}]'));
  instances.push(runInstances('ResourceType=instance,Tags=[{Key=tarmac-fleet,Value=web}]'));
  runInstances('ResourceType=instance,Tags=[{Key=tarmac-fleet,Value=other}]');
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

describe('SsmFleetCommands on moto', () => {
  it('sends one AWS-RunShellScript command to the instances with the fleet tags and reports each', async () => {
    const commands = new SsmFleetCommands(ssm, ec2, { pollMs: 10 });
    const script = maintenanceScript({ id: 'hello-production' }, true);
    const outcomes = await commands.run({ fleet: 'web', hosts: [], ec2Tags: { 'tarmac-fleet': 'web' } }, script, {
      comment: 'tarmac maintenance on hello/production by alice',
    });
    expect(outcomes.map((o) => o.host).sort()).toEqual([...instances].sort());
    expect(outcomes.every((o) => o.ok)).toBe(true);

    const sent = (await ssm.send(new ListCommandsCommand({}))).Commands?.[0];
    expect(sent).toMatchObject({
      DocumentName: 'AWS-RunShellScript',
      Parameters: { commands: [script] },
      InstanceIds: expect.arrayContaining(instances),
      Comment: 'tarmac maintenance on hello/production by alice',
    });
  });

  it('fails naming the fleet when it has no ec2_tags', async () => {
    const commands = new SsmFleetCommands(ssm, ec2);
    await expect(commands.run({ fleet: 'web', hosts: ['h1'] }, 'true', { comment: 'x' })).rejects.toThrow(
      'fleet web has no ec2_tags',
    );
  });
});
