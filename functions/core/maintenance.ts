import type { Instance } from './config/instances';
import { PermanentError } from './errors';

/**
 * Maintenance mode: nginx answers 503 with the instance's maintenance page for that instance only. It is a
 * flag file in the instance's nginx directory, checked by the vhost on every request, so switching it needs
 * no deploy and no reload: the operation runs one small command on every host of the fleet.
 */
export interface Maintenance {
  readonly app: string;
  readonly env: string;
  readonly on: boolean;
  readonly by: string;
  readonly reason?: string;
  /** ISO time of the switch. */
  readonly since: string;
  /** Hosts that switched, and those that could not (named with why). */
  readonly hosts: readonly string[];
  readonly failed: readonly { readonly host: string; readonly error: string }[];
}

/** An instance without nginx has no vhost to answer 503: maintenance cannot be switched on. */
export class MaintenanceUnavailableError extends PermanentError {
  constructor(app: string, env: string) {
    super(
      `${app}/${env} has no nginx in front of it, so there is no vhost to answer 503 — set nginx: true on the environment (or its fleet) and deploy it first`,
      { app, env },
    );
    this.name = 'MaintenanceUnavailableError';
  }
}

/** Where the flag lives on a host (the same path the vhost checks; see bundle/nginx.ts). */
export const maintenanceFlagPath = (instance: Pick<Instance, 'id'>) => `/etc/nginx/tarmac/${instance.id}/maintenance`;

/**
 * The shell command that switches maintenance on a host, as plain data. On: the flag is created (its
 * directory too, so a host the instance reaches later still starts in maintenance); off: removed. It prints
 * one line naming the host. Instance ids are config names (a-z, 0-9, -), safe in a shell word.
 */
export function maintenanceScript(instance: Pick<Instance, 'id'>, on: boolean): string {
  const flag = maintenanceFlagPath(instance);
  const action = on ? `install -d -m 0755 "$(dirname ${flag})" && touch ${flag}` : `rm -f ${flag}`;
  return `set -eu; ${action}; echo "${instance.id} maintenance ${on ? 'on' : 'off'} on $(hostname)"`;
}

/** One line for people: who switched it, when, where. */
export function describeMaintenance(m: Maintenance): string {
  const where = `${m.hosts.length} host(s)${m.hosts.length ? ` (${m.hosts.join(', ')})` : ''}`;
  const failed = m.failed.length ? `; FAILED on ${m.failed.map((f) => `${f.host}: ${f.error}`).join('; ')}` : '';
  const reason = m.reason ? `: "${m.reason}"` : '';
  return `${m.app}/${m.env} maintenance ${m.on ? 'on' : 'off'} by ${m.by}${reason} on ${where}${failed}`;
}
