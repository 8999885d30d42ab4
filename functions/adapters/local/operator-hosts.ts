import type { Hosts } from '../../hosts/manager';
import type { FleetTarget, HostCommandResult, OperatorHosts } from '../../ports';

/**
 * Operator commands on local mode's hosts (the deployer's own: local test hosts and SSH servers): the fleet
 * is its configured host names; a command runs through the hosts' exec, killed at its timeout.
 */
export class HostOperatorHosts implements OperatorHosts {
  constructor(private readonly hosts: Pick<Hosts, 'exec'>) {}

  async hostsOf(target: FleetTarget): Promise<string[]> {
    return [...target.hosts];
  }

  async exec(host: string, argv: readonly string[], options: { timeoutMs: number }): Promise<HostCommandResult> {
    const { code, stdout, stderr } = await this.hosts.exec(host, argv, { timeoutMs: options.timeoutMs });
    return { code, stdout, stderr };
  }
}
