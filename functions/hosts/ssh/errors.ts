import { HostError } from '../errors';

/** A server's host key is not in the fleet's pinned known_hosts: tarmac refuses to connect. */
export class HostKeyUnknownError extends HostError {
  constructor(host: string, target: string, knownHosts: readonly string[], fleet: string) {
    super(
      `no host key of ${host} (${target}) is pinned in ${knownHosts.join(', ')} — check its fingerprint, then: tarmac hosts trust ${fleet}`,
      { host, target, knownHosts },
    );
    this.name = 'HostKeyUnknownError';
  }
}

/** A server presented another host key than the pinned one: refused (a reinstalled server, or an attack). */
export class HostKeyChangedError extends HostError {
  constructor(host: string, target: string, knownHosts: readonly string[], fleet: string) {
    super(
      `the host key of ${host} (${target}) does not match the one pinned in ${knownHosts.join(', ')} — refused to connect. If the server was reinstalled, check its new fingerprint, then: tarmac hosts trust ${fleet} --replace ${host}`,
      { host, target, knownHosts },
    );
    this.name = 'HostKeyChangedError';
  }
}

/** A server could not be reached (or logged into) over SSH. */
export class SshUnreachableError extends HostError {
  constructor(host: string, target: string, why: string) {
    super(`cannot reach ${host} over SSH (${target}): ${why}`, { host, target });
    this.name = 'SshUnreachableError';
  }
}
