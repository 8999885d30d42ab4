import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { TarmacError } from '../../core/errors';
import type { FleetTarget, HostCommandResult, OperatorHosts } from '../../ports';
import { SsmHosts } from './ssm-hosts';

/**
 * Operator commands on AWS: the fleet is its running instances with all of its `ec2_tags`; a command is one
 * SSM Run Command (`AWS-RunShellScript`, as root), waited for no longer than its timeout — a Lambda must
 * answer within its own. The command's Comment names the request (CloudTrail and the SSM console show it).
 */
export class SsmOperatorHosts implements OperatorHosts {
  constructor(
    private readonly ssm: SSMClient,
    private readonly ec2: EC2Client,
    private readonly pollMs = 500,
  ) {}

  async hostsOf(target: FleetTarget): Promise<string[]> {
    if (!target.ec2Tags || Object.keys(target.ec2Tags).length === 0) {
      throw new TarmacError(
        `fleet ${target.fleet} has no ec2_tags, so the server cannot find its instances — add fleets.${target.fleet}.ec2_tags to tarmac.yml`,
        { fleet: target.fleet },
      );
    }
    return this.hostsWith({}).fleetInstances(target.ec2Tags);
  }

  async exec(
    host: string,
    argv: readonly string[],
    options: { timeoutMs: number; comment: string },
  ): Promise<HostCommandResult> {
    const { code, stdout, stderr } = await this.hostsWith({ comment: options.comment }).exec(host, argv, {
      timeoutMs: options.timeoutMs,
      waitMs: options.timeoutMs,
    });
    return { code, stdout, stderr };
  }

  private hostsWith(options: { comment?: string }) {
    return new SsmHosts({ ssm: this.ssm, ec2: this.ec2, pollMs: this.pollMs, ...options });
  }
}
