import { TarmacError } from './errors';

/** The host asked for is not one of the fleet's, or the fleet has several and none was named. */
export class HostChoiceError extends TarmacError {
  override readonly name = 'HostChoiceError';
}

/** An operator's command gave no answer: its host could not be reached, or it did not end in time. */
export class NoAnswerError extends TarmacError {
  override readonly name = 'NoAnswerError';
}

/**
 * The host an operator's command targets: `host` when it is one of the fleet's, the only host when the fleet
 * has one; anything else says which hosts there are. The same words locally and from a server.
 */
export function chooseHost(fleet: string, hosts: readonly string[], host: string | undefined): string {
  if (host !== undefined && hosts.includes(host)) return host;
  const known = hosts.join(', ') || 'none';
  if (host !== undefined) {
    throw new HostChoiceError(
      `host ${host} is not one of fleet ${fleet}'s (hosts: ${known}) — pass one of them with --host`,
      {
        host,
        fleet,
        known: [...hosts],
      },
    );
  }
  if (hosts.length === 1) return hosts[0] as string;
  throw new HostChoiceError(`fleet ${fleet} has ${hosts.length} hosts (${known}) — say which with --host`, {
    fleet,
    known: [...hosts],
  });
}
