import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { GetCommandInvocationCommand, SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { TarmacError } from '../../core/errors';
import type { CommandOutcome, FleetCommands, FleetTarget } from '../../ports';

export interface SsmFleetCommandsOptions {
  /** How long to wait for every instance to finish. @default 60_000 */
  readonly timeoutMs?: number;
  /** Between GetCommandInvocation polls. @default 1_000 */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const DONE = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled', 'Undeliverable', 'Terminated']);
/** SendCommand takes at most 50 instance ids. */
const MAX_IDS = 50;

/**
 * Fleet commands on AWS: the running instances carrying all of the fleet's EC2 tags (the same selection as
 * its CodeDeploy deployment group) get one SSM Run Command (`AWS-RunShellScript`); each instance's invocation
 * is then polled until it ends, so every instance is named in the outcome, including one SSM cannot reach.
 * Instances need the SSM agent and `AmazonSSMManagedInstanceCore` on their role.
 */
export class SsmFleetCommands implements FleetCommands {
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly ssm: SSMClient,
    private readonly ec2: EC2Client,
    options: SsmFleetCommandsOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.pollMs = options.pollMs ?? 1_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async run(target: FleetTarget, script: string, options: { comment: string }): Promise<CommandOutcome[]> {
    const instances = await this.instancesOf(target);
    const outcomes: CommandOutcome[] = [];
    for (let i = 0; i < instances.length; i += MAX_IDS) {
      const ids = instances.slice(i, i + MAX_IDS);
      const sent = await this.ssm.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunShellScript',
          InstanceIds: ids,
          Parameters: { commands: [script] },
          Comment: options.comment.slice(0, 100),
          TimeoutSeconds: Math.max(30, Math.ceil(this.timeoutMs / 1000)),
        }),
      );
      const commandId = sent.Command?.CommandId;
      if (!commandId) throw new TarmacError('SSM SendCommand returned no command id', { fleet: target.fleet });
      outcomes.push(...(await Promise.all(ids.map((id) => this.outcome(commandId, id)))));
    }
    return outcomes;
  }

  /** Running instances with every tag of the fleet. */
  private async instancesOf(target: FleetTarget): Promise<string[]> {
    const tags = Object.entries(target.ec2Tags ?? {});
    if (tags.length === 0) {
      throw new TarmacError(`fleet ${target.fleet} has no ec2_tags — SSM cannot find its instances`, {
        fleet: target.fleet,
      });
    }
    const ids: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            ...tags.map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] })),
            { Name: 'instance-state-name', Values: ['running'] },
          ],
          NextToken,
        }),
      );
      for (const r of page.Reservations ?? [])
        for (const i of r.Instances ?? []) if (i.InstanceId) ids.push(i.InstanceId);
      NextToken = page.NextToken;
    } while (NextToken);
    return ids.sort();
  }

  /** Poll one instance's invocation until it ends (it may not exist for a moment right after SendCommand). */
  private async outcome(commandId: string, instanceId: string): Promise<CommandOutcome> {
    const deadline = Date.now() + this.timeoutMs;
    let last = 'not started';
    while (Date.now() < deadline) {
      try {
        const invocation = await this.ssm.send(
          new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
        );
        last = invocation.Status ?? 'unknown';
        if (DONE.has(last)) {
          const output = `${invocation.StandardOutputContent ?? ''}${invocation.StandardErrorContent ?? ''}`.trim();
          return {
            host: instanceId,
            ok: last === 'Success',
            output: last === 'Success' ? output : `${output} (${last})`.trim(),
          };
        }
      } catch (error) {
        if ((error as { name?: string }).name !== 'InvocationDoesNotExist') throw error;
      }
      await this.sleep(this.pollMs);
    }
    return {
      host: instanceId,
      ok: false,
      output: `still ${last} after ${this.timeoutMs / 1000} s (SSM command ${commandId})`,
    };
  }
}
