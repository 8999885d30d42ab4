import type { LocalAdapters } from '../adapters/local';
import { HostOperatorHosts } from '../adapters/local/operator-hosts';
import type { TarmacConfig } from '../core/config/schema';
import type { Hosts } from '../hosts/manager';
import type { Logger } from '../log';
import type { OperatorAccess } from '../ports';
import { operatorAccess } from '../worker/operator-access';

/** One eval may take as long as a local `tarmac eval --timeout` allows. */
const LOCAL_MAX_MS = 3600_000;

/**
 * `logs` and `eval` of `tarmac serve`'s API on the hosts its deployer uses (the configuration's SSH servers and
 * the local test hosts of the data dir); the caller owns `hosts` and closes it.
 */
export function localOperatorAccess(options: {
  config: TarmacConfig;
  hosts: Pick<Hosts, 'exec'>;
  adapters: LocalAdapters;
  logger: Logger;
}): OperatorAccess {
  const { config, hosts, adapters, logger } = options;
  return operatorAccess({
    config,
    hosts: new HostOperatorHosts(hosts),
    secrets: adapters.secrets,
    state: adapters.state,
    clock: adapters.clock,
    logger,
    via: 'local',
    maxMs: LOCAL_MAX_MS,
  });
}
