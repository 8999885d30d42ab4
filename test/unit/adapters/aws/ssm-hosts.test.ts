import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { KEPT_STDOUT_BYTES, SsmHosts, shellLine } from '../../../../functions/adapters/aws/ssm-hosts';
import { SsmOperatorHosts } from '../../../../functions/adapters/aws/ssm-operator-hosts';
import {
  SessionPluginMissingError,
  sessionArgv,
  shellWords,
  startSession,
} from '../../../../functions/adapters/aws/ssm-session';

// Exact request shapes only: moto records SendCommand but runs nothing, and has no ListCommandInvocations,
// StartSession or agent (test/aws/operator-access.test.ts covers what moto does answer).
function hosts(options: { session?: (call: { target: string; command: string }) => Promise<number | null> } = {}) {
  const ssm = new SSMClient({ region: 'eu-west-1' });
  const ec2 = new EC2Client({ region: 'eu-west-1' });
  const ssmMock = mockClient(ssm);
  const ec2Mock = mockClient(ec2);
  return {
    ssmMock,
    ec2Mock,
    hosts: new SsmHosts({ ssm, ec2, pollMs: 1, comment: 'tarmac logs hello/staging', ...options }),
  };
}

const notYet = Object.assign(new Error('not yet'), { name: 'InvocationDoesNotExist' });

describe('SsmHosts over SSM Run Command', () => {
  it('sends AWS-RunShellScript to the one instance with a clean environment, the end of its output kept', async () => {
    const { hosts: h, ssmMock } = hosts();
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    ssmMock
      .on(GetCommandInvocationCommand)
      .rejectsOnce(notYet)
      .resolvesOnce({ Status: 'InProgress' })
      .resolves({ Status: 'Success', ResponseCode: 0, StandardOutputContent: 'out\n', StandardErrorContent: '' });
    const result = await h.exec('i-0abc', ['journalctl', "--after-cursor=s=1;it's"], { env: { LANG: 'C.UTF-8' } });
    expect(result).toMatchObject({ code: 0, stdout: 'out\n', stderr: '', timedOut: false });
    const [send] = ssmMock.commandCalls(SendCommandCommand).map((c) => c.args[0].input);
    expect(send).toEqual({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: ['i-0abc'],
      Comment: 'tarmac logs hello/staging',
      TimeoutSeconds: 120,
      Parameters: {
        commands: [
          'out=$(mktemp) && err=$(mktemp) || exit 125',
          `'env' '-i' 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'LANG=C.UTF-8' 'journalctl' '--after-cursor=s=1;it'\\''s' >"$out" 2>"$err"; code=$?`,
          `tail -c ${KEPT_STDOUT_BYTES} "$out"; tail -c 3000 "$err" >&2`,
          'rm -f "$out" "$err"; exit $code',
        ],
        executionTimeout: ['120'],
      },
    });
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(3);
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)[0]?.args[0].input).toEqual({
      CommandId: 'cmd-1',
      InstanceId: 'i-0abc',
    });
  });

  it("returns a failed command's exit status and output, and a timed-out one as such", async () => {
    const { hosts: h, ssmMock } = hosts();
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-2' } });
    ssmMock
      .on(GetCommandInvocationCommand)
      .resolvesOnce({ Status: 'Failed', ResponseCode: 1, StandardOutputContent: '', StandardErrorContent: 'nodedown' })
      .resolves({ Status: 'TimedOut', ResponseCode: -1 });
    expect(await h.exec('i-1', ['false'])).toMatchObject({ code: 1, stderr: 'nodedown', timedOut: false });
    expect(await h.exec('i-1', ['sleep', '999'])).toMatchObject({ code: null, timedOut: true });
  });

  it('fails clearly when asked to feed stdin, which Run Command cannot', async () => {
    const { hosts: h, ssmMock } = hosts();
    await expect(h.exec('i-1', ['cat'], { input: 'x' })).rejects.toThrow(
      'SSM Run Command cannot feed a command its stdin',
    );
    expect(ssmMock.commandCalls(SendCommandCommand)).toEqual([]);
  });

  it("finds the fleet's running instances by every one of its tags, over every page", async () => {
    const { hosts: h, ec2Mock } = hosts();
    ec2Mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: 'i-b' }] }], NextToken: 'p2' })
      .resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-a' }, {}] }] });
    expect(await h.fleetInstances({ 'tarmac-fleet': 'web', team: 'core' })).toEqual(['i-a', 'i-b']);
    const calls = ec2Mock.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      {
        Filters: [
          { Name: 'tag:tarmac-fleet', Values: ['web'] },
          { Name: 'tag:team', Values: ['core'] },
          { Name: 'instance-state-name', Values: ['running'] },
        ],
        NextToken: undefined,
      },
      expect.objectContaining({ NextToken: 'p2' }),
    ]);
  });
});

describe('a console through Session Manager', () => {
  it('runs the command as root through sudo in AWS-StartInteractiveCommand', async () => {
    const calls: { target: string; command: string }[] = [];
    const { hosts: h } = hosts({
      session: async (call) => {
        calls.push(call);
        return 0;
      },
    });
    expect(await h.attach('i-0abc', ['systemd-run', '--pty', 'tarmac-start', 'remote'])).toBe(0);
    expect(calls).toEqual([
      { target: 'i-0abc', command: `sudo -n ${shellLine(['systemd-run', '--pty', 'tarmac-start', 'remote'])}` },
    ]);
    expect(sessionArgv(calls[0] as never)).toEqual([
      'aws',
      'ssm',
      'start-session',
      '--target',
      'i-0abc',
      '--document-name',
      'AWS-StartInteractiveCommand',
      '--parameters',
      JSON.stringify({ command: [calls[0]?.command] }),
    ]);
  });

  it('says the plugin is missing and prints the call to run by hand', async () => {
    const call = { target: 'i-0abc', command: "sudo -n 'env' 'remote'" };
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const error = await startSession(call).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SessionPluginMissingError);
      expect((error as Error).message).toContain('the Session Manager plugin (session-manager-plugin) is not on PATH');
      expect((error as Error).message).toContain(shellWords(sessionArgv(call)));
    } finally {
      process.env.PATH = path;
    }
  });

  it('execs aws ssm start-session with the terminal when the plugin is there, and returns its status', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'tarmac-session-'));
    const record = join(bin, 'argv');
    // Stand-ins: the plugin only has to exist; `aws` records the words it was given, one per line.
    writeFileSync(join(bin, 'session-manager-plugin'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    writeFileSync(join(bin, 'aws'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${record}\nexit 3\n`, { mode: 0o755 });
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const call = { target: 'i-0abc', command: "sudo -n 'env' 'remote'" };
      expect(await startSession(call)).toBe(3);
      expect(readFileSync(record, 'utf8').trimEnd().split('\n')).toEqual(sessionArgv(call).slice(1));
    } finally {
      process.env.PATH = path;
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('prints a call that a shell reads back as the same words', () => {
    const argv = sessionArgv({ target: 'i-1', command: `sudo -n 'a b' "c" it's` });
    const echoed = execFileSync('bash', ['-c', `printf '%s\\n' ${shellWords(argv)}`], { encoding: 'utf8' });
    expect(echoed.trimEnd().split('\n')).toEqual(argv);
  });
});

describe('SsmOperatorHosts (the webhook’s logs and eval)', () => {
  it('stops waiting at the caller’s timeout (a Lambda’s budget), naming the command still running', async () => {
    const ssm = new SSMClient({ region: 'eu-west-1' });
    const ssmMock = mockClient(ssm);
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-9' } });
    ssmMock.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress' });
    const operator = new SsmOperatorHosts(ssm, new EC2Client({ region: 'eu-west-1' }), 1);
    await expect(
      operator.exec('i-1', ['true'], { timeoutMs: 20, comment: 'tarmac eval hello/staging by ci_bot' }),
    ).rejects.toThrow('SSM command cmd-9 on i-1 still InProgress');
    const sent = ssmMock.commandCalls(SendCommandCommand)[0]?.args[0].input;
    expect(sent?.Comment).toBe('tarmac eval hello/staging by ci_bot');
    // On the host SSM still bounds it (its minimum execution timeout is 30 s).
    expect(sent?.Parameters?.executionTimeout).toEqual(['30']);
  });

  it('needs the fleet’s ec2_tags to find its instances', async () => {
    const operator = new SsmOperatorHosts(
      new SSMClient({ region: 'eu-west-1' }),
      new EC2Client({ region: 'eu-west-1' }),
    );
    await expect(operator.hostsOf({ fleet: 'web', hosts: ['h1'] })).rejects.toThrow(
      'fleet web has no ec2_tags, so the server cannot find its instances — add fleets.web.ec2_tags to tarmac.yml',
    );
  });
});
