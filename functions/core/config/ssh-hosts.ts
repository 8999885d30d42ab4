import type { ConfigIssue } from '../errors';
import type { SshHostConfig, TarmacConfig } from './schema';

/** An SSH server of the configuration, with the fleets that list it (their pinned known_hosts apply). */
export interface SshHost extends SshHostConfig {
  readonly name: string;
  readonly fleets: readonly string[];
}

/**
 * Every server reached over SSH, by host name. A name defined under several fleets' `ssh:` is one server:
 * {@link assertSshHosts} makes sure the definitions agree.
 */
export function sshHostsOf(config: TarmacConfig): Map<string, SshHost> {
  const hosts = new Map<string, SshHost>();
  for (const [fleet, fleetConfig] of Object.entries(config.fleets)) {
    for (const [name, ssh] of Object.entries(fleetConfig.ssh ?? {})) {
      const known = hosts.get(name);
      hosts.set(name, { ...(known ?? ssh), name, fleets: [...(known?.fleets ?? []), fleet] });
    }
  }
  return hosts;
}

/**
 * `fleets.<f>.ssh.<name>` must name a host of `fleets.<f>.hosts`, and one name must mean one server
 * everywhere; a host listed as a local test host in one fleet and as an SSH server in another is refused.
 */
export function assertSshHosts(config: TarmacConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, { fleet: string; ssh: SshHostConfig }>();
  for (const [fleet, fleetConfig] of Object.entries(config.fleets)) {
    for (const [name, ssh] of Object.entries(fleetConfig.ssh ?? {})) {
      if (!fleetConfig.hosts.includes(name)) {
        issues.push({
          path: `fleets.${fleet}.ssh.${name}`,
          message: `SSH host ${name} is not listed in fleets.${fleet}.hosts — add it there (hosts: [${[...fleetConfig.hosts, name].join(', ')}])`,
        });
      }
      const first = seen.get(name);
      if (first && JSON.stringify(first.ssh) !== JSON.stringify(ssh)) {
        issues.push({
          path: `fleets.${fleet}.ssh.${name}`,
          message: `SSH host ${name} is ${describe(ssh)} here but ${describe(first.ssh)} in fleet ${first.fleet} — one name is one server: use the same settings or another name`,
        });
      }
      if (!first) seen.set(name, { fleet, ssh });
    }
  }
  for (const [fleet, fleetConfig] of Object.entries(config.fleets)) {
    for (const name of fleetConfig.hosts) {
      const ssh = seen.get(name);
      if (ssh && !(name in (fleetConfig.ssh ?? {}))) {
        issues.push({
          path: `fleets.${fleet}.hosts`,
          message: `host ${name} is an SSH server in fleet ${ssh.fleet} but a local test host here — add it under fleets.${fleet}.ssh too, or use another name`,
        });
      }
    }
  }
  return issues;
}

const describe = (ssh: SshHostConfig) =>
  `${ssh.address} port ${ssh.port}${ssh.identity_file ? ` with ${ssh.identity_file}` : ' with the SSH agent'}`;
