import { instanceOf } from '../core/config';
import type { Instance } from '../core/config/instances';
import type { TarmacConfig } from '../core/config/schema';
import { TarmacError } from '../core/errors';
import type { ConsoleSessions } from '../ports';

/** `POST …/console` on `tarmac serve`: the host is checked, then the client upgrades `GET …/console`. */
export function websocketConsoles(config: TarmacConfig): ConsoleSessions {
  return {
    open: async ({ app, env, host }) => {
      fleetHost(instanceOf(config, app, env), host);
      return { kind: 'websocket' };
    },
  };
}

/** The host a console targets: one of the fleet's, or the only one; anything else names the hosts there are. */
export function fleetHost(instance: Instance, host: string | undefined): string {
  const hosts = instance.fleetConfig.hosts;
  if (host !== undefined && hosts.includes(host)) return host;
  const known = hosts.join(', ') || 'none';
  if (host !== undefined) {
    throw new TarmacError(
      `host ${host} is not one of fleet ${instance.fleet}'s (hosts: ${known}) — pass one of them with --host`,
      { host, fleet: instance.fleet },
    );
  }
  if (hosts.length === 1) return hosts[0] as string;
  throw new TarmacError(`fleet ${instance.fleet} has ${hosts.length} hosts (${known}) — say which with --host`, {
    fleet: instance.fleet,
  });
}
