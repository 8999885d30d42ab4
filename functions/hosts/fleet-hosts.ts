import type { ExecOptions, ExecResult } from './exec';
import type { HostInfo, HostManager, Hosts } from './manager';
import type { SshHosts } from './ssh/ssh-hosts';

/**
 * The hosts of local mode: the servers of the configuration's `fleets.<f>.ssh` over SSH, every other name a
 * local test host. One {@link Hosts} for the deployer, so a fleet may mix both.
 */
export class FleetHosts implements Hosts {
  readonly sharedDir: string;

  constructor(
    readonly local: HostManager,
    readonly ssh: SshHosts,
  ) {
    this.sharedDir = local.sharedDir;
  }

  async list(): Promise<HostInfo[]> {
    const [local, ssh] = await Promise.all([this.local.list(), this.ssh.list()]);
    return [...local.filter((h) => !this.ssh.has(h.name)), ...ssh];
  }

  get(name: string): Promise<HostInfo> {
    return this.ssh.has(name) ? this.ssh.get(name) : this.local.get(name);
  }

  exec(name: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.ssh.has(name) ? this.ssh.exec(name, argv, options) : this.local.exec(name, argv, options);
  }

  attach(name: string, argv: readonly string[], options?: Pick<ExecOptions, 'env'>): Promise<number | null> {
    return this.ssh.has(name) ? this.ssh.attach(name, argv, options) : this.local.attach(name, argv, options);
  }

  attachArgv(name: string, argv: readonly string[], options?: Pick<ExecOptions, 'env'>): Promise<string[]> {
    return this.ssh.has(name) ? this.ssh.attachArgv(name, argv, options) : this.local.attachArgv(name, argv, options);
  }

  /** Stop the SSH master connections. */
  close(): Promise<void> {
    return this.ssh.close();
  }
}
