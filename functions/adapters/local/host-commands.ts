import type { Hosts } from '../../hosts/manager';
import { tail } from '../../hosts/run';
import type { CommandOutcome, FleetCommands, FleetTarget } from '../../ports';

/** Fleet commands on local hosts: `sh -c <script>` inside each host, all at once; a host that is down fails alone. */
export class HostFleetCommands implements FleetCommands {
  constructor(
    private readonly hosts: Pick<Hosts, 'exec'>,
    private readonly timeoutMs = 30_000,
  ) {}

  async run(target: FleetTarget, script: string): Promise<CommandOutcome[]> {
    return Promise.all(
      target.hosts.map(async (host): Promise<CommandOutcome> => {
        try {
          const result = await this.hosts.exec(host, ['sh', '-c', script], { timeoutMs: this.timeoutMs });
          return { host, ok: result.code === 0, output: tail(result.output, 10) };
        } catch (error) {
          return { host, ok: false, output: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
  }
}
