import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeInstancesCommand, EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient, type SSMClientConfig } from '@aws-sdk/client-ssm';
import { TarmacError } from '../../core/errors';
import { type SessionCall, startSession } from './ssm-session';

export interface SsmHostsOptions {
  /** @default new SSMClient(clientConfig) */
  readonly ssm?: SSMClient;
  /** @default new EC2Client(clientConfig) */
  readonly ec2?: EC2Client;
  readonly clientConfig?: SSMClientConfig & EC2ClientConfig;
  /** Between two GetCommandInvocation calls. @default 1000 */
  readonly pollMs?: number;
  /** Written into each command's Comment (CloudTrail and the SSM console show it), e.g. `tarmac logs hello/staging`. */
  readonly comment?: string;
  /** The `aws ssm start-session` runner (injected in tests). @default {@link startSession} */
  readonly session?: (call: SessionCall) => Promise<number | null>;
}

/** What a command on an instance gave back, in the shape the local hosts' `exec` returns. */
export interface SsmExecResult {
  readonly code: number | null;
  readonly signal: null;
  readonly stdout: string;
  readonly stderr: string;
  readonly output: string;
  readonly timedOut: boolean;
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const DONE = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut']);
/** SSM returns at most 24,000 characters of stdout: keep the end, as the local hosts do (newest lines last). */
export const KEPT_STDOUT_BYTES = 20_000;
const KEPT_STDERR_BYTES = 3_000;

/** Quote for sh (`'…'`); the bundle has its own for bash, but adapters do not import the bundle. */
const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/** `env -i PATH=… K=V… argv…`, quoted: the same clean environment as the local hosts' exec. */
export function shellLine(argv: readonly string[], env: Readonly<Record<string, string>> = {}): string {
  const vars = Object.entries({ PATH, ...env }).map(([k, v]) => `${k}=${v}`);
  return ['env', '-i', ...vars, ...argv].map(quote).join(' ');
}

/**
 * EC2 instances managed by SSM as hosts: a command runs through Run Command (`AWS-RunShellScript`, as root,
 * no ssh), a terminal through Session Manager. Host names are instance ids, as CodeDeploy names them.
 */
export class SsmHosts {
  private readonly ssm: SSMClient;
  private readonly ec2: EC2Client;

  constructor(private readonly options: SsmHostsOptions = {}) {
    this.ssm = options.ssm ?? new SSMClient(options.clientConfig ?? {});
    this.ec2 = options.ec2 ?? new EC2Client(options.clientConfig ?? {});
  }

  /** Running instances that carry every one of the fleet's `ec2_tags`. */
  async fleetInstances(tags: Readonly<Record<string, string>>): Promise<string[]> {
    const Filters = [
      ...Object.entries(tags).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] })),
      { Name: 'instance-state-name', Values: ['running'] },
    ];
    const ids: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.ec2.send(new DescribeInstancesCommand({ Filters, NextToken }));
      for (const r of page.Reservations ?? [])
        for (const i of r.Instances ?? []) if (i.InstanceId) ids.push(i.InstanceId);
      NextToken = page.NextToken;
    } while (NextToken);
    return ids.sort();
  }

  /** Run `argv` as root on an instance and wait for it; stdout and stderr keep their last bytes. */
  async exec(
    instanceId: string,
    argv: readonly string[],
    options: { env?: Readonly<Record<string, string>>; input?: unknown; timeoutMs?: number; waitMs?: number } = {},
  ): Promise<SsmExecResult> {
    if (options.input !== undefined) {
      throw new TarmacError('SSM Run Command cannot feed a command its stdin', { host: instanceId });
    }
    const timeoutSec = Math.max(30, Math.ceil((options.timeoutMs ?? 120_000) / 1000));
    const sent = await this.ssm.send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: [instanceId],
        Comment: (this.options.comment ?? 'tarmac').slice(0, 100),
        TimeoutSeconds: timeoutSec,
        Parameters: { commands: keepTheEnd(shellLine(argv, options.env)), executionTimeout: [String(timeoutSec)] },
      }),
    );
    const commandId = sent.Command?.CommandId;
    if (!commandId) throw new TarmacError(`SSM SendCommand to ${instanceId} returned no command id`);
    // `waitMs`: a caller with a deadline of its own (a Lambda) stops waiting sooner than SSM's own timeout.
    return this.wait(commandId, instanceId, Date.now() + (options.waitMs ?? (timeoutSec + 60) * 1000));
  }

  /** Open a terminal on an instance running `argv` (as root, through sudo) with Session Manager. */
  attach(instanceId: string, argv: readonly string[], options: { env?: Readonly<Record<string, string>> } = {}) {
    const run = this.options.session ?? startSession;
    return run({ target: instanceId, command: `sudo -n ${shellLine(argv, options.env)}` });
  }

  private async wait(commandId: string, instanceId: string, deadline: number): Promise<SsmExecResult> {
    for (;;) {
      const invocation = await this.invocation(commandId, instanceId);
      if (invocation && DONE.has(invocation.Status ?? '')) {
        const stdout = invocation.StandardOutputContent ?? '';
        const stderr = invocation.StandardErrorContent ?? '';
        const code = invocation.ResponseCode ?? null;
        return {
          code: code === -1 ? null : code,
          signal: null,
          stdout,
          stderr,
          output: stdout + stderr,
          timedOut: invocation.Status === 'TimedOut',
        };
      }
      if (Date.now() > deadline) {
        throw new TarmacError(
          `SSM command ${commandId} on ${instanceId} still ${invocation?.Status ?? 'not delivered'} — is the SSM agent running there?`,
          { host: instanceId, commandId },
        );
      }
      await sleep(this.options.pollMs ?? 1000);
    }
  }

  private async invocation(CommandId: string, InstanceId: string) {
    try {
      return await this.ssm.send(new GetCommandInvocationCommand({ CommandId, InstanceId }));
    } catch (error) {
      // Right after SendCommand the invocation may not exist yet.
      if ((error as { name?: string }).name === 'InvocationDoesNotExist') return undefined;
      throw error;
    }
  }
}

/** The script lines: run the command into files, print their ends, keep its exit status. */
function keepTheEnd(line: string): string[] {
  return [
    'out=$(mktemp) && err=$(mktemp) || exit 125',
    `${line} >"$out" 2>"$err"; code=$?`,
    `tail -c ${KEPT_STDOUT_BYTES} "$out"; tail -c ${KEPT_STDERR_BYTES} "$err" >&2`,
    'rm -f "$out" "$err"; exit $code',
  ];
}
