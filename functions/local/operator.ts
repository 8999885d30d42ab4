import type { LocalAdapters } from '../adapters/local';
import { HostOperatorHosts } from '../adapters/local/operator-hosts';
import { sshHostsOf } from '../core/config';
import type { TarmacConfig } from '../core/config/schema';
import { FleetHosts } from '../hosts/fleet-hosts';
import { HostManager } from '../hosts/manager';
import { SshHosts } from '../hosts/ssh/ssh-hosts';
import type { Logger } from '../log';
import type { OperatorAccess } from '../ports';
import { operatorAccess } from '../worker/operator-access';

/** One eval may take as long as a local `tarmac eval --timeout` allows. */
const LOCAL_MAX_MS = 3600_000;

/**
 * `logs` and `eval` of `tarmac serve`'s API on the hosts its deployer uses: the configuration's SSH servers
 * and the local test hosts of the data dir. `close` stops the SSH master connections it opened.
 */
export function localOperatorAccess(options: {
  config: TarmacConfig;
  dataDir: string;
  adapters: LocalAdapters;
  logger: Logger;
}): { access: OperatorAccess; close(): Promise<void> } {
  const { config, dataDir, adapters, logger } = options;
  const hosts = new FleetHosts(
    new HostManager({ dataDir, logger }),
    new SshHosts({ dataDir, hosts: sshHostsOf(config), logger }),
  );
  const access = operatorAccess({
    config,
    hosts: new HostOperatorHosts(hosts),
    secrets: adapters.secrets,
    state: adapters.state,
    clock: adapters.clock,
    logger,
    via: 'local',
    maxMs: LOCAL_MAX_MS,
  });
  return { access, close: () => hosts.close() };
}
