import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Logger, silentLogger } from '../log';
import { attachIn } from './attach';
import { type BootInput, bootHost, SHARED_MOUNT } from './boot';
import { HostError } from './errors';
import { type ExecOptions, type ExecResult, execArgv, execIn } from './exec';
import { run } from './run';
import { type HostRecord, isAlive, readHosts, writeHosts } from './state';
import { stopHost } from './stop';

export type { ExecOptions, ExecResult, HostRecord };

/** What every kind of host tells about itself: its name in fleets and where it answers. */
export interface HostInfo {
  readonly name: string;
  /** Where the host's services answer (its IP address or DNS name). */
  readonly address: string;
}

/**
 * What the deployer (and everything else that acts on hosts) needs from hosts: which are up, and running a
 * command in one as root with stdin, a clean environment and a timeout that kills its process group. Files
 * travel through `exec` too (stdin, stdout), so local test hosts (nsenter) and servers over SSH are alike.
 */
export interface Hosts {
  /** The hosts that are up (local: PID 1 alive; SSH: reachable, host key verified). */
  list(): Promise<HostInfo[]>;
  get(name: string): Promise<HostInfo>;
  exec(host: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /**
   * Run `argv` in a host as root with this process's terminal (stdin, stdout, stderr), for `tarmac console`;
   * resolves with its exit status. Over SSH that is `ssh -t`.
   */
  attach(host: string, argv: readonly string[], options?: Pick<ExecOptions, 'env'>): Promise<number | null>;
  /**
   * The local command line `attach` runs, for a caller that brings its own terminal: `tarmac serve` runs it
   * under a pseudo-terminal of its own for a `console --server` client.
   */
  attachArgv(host: string, argv: readonly string[], options?: Pick<ExecOptions, 'env'>): Promise<string[]>;
  /** Local test hosts only: machine path of the directory every host mounts at {@link SHARED_MOUNT}. */
  readonly sharedDir?: string;
}

export interface HostManagerOptions {
  /** The local mode data dir (`--data`); hosts live under `<data>/hosts/`. */
  readonly dataDir: string;
  readonly logger?: Logger;
  /**
   * Host set 0–40 (default: `TARMAC_HOST_SET`, else 0). Names stay h1..hN; the containers, veths and subnets
   * of set S (`s<S>h<N>`, `ve-s<S>h<N>`, `10.<213+S>.<N>.0/24`) are apart from every other set's, so
   * several checkouts can boot hosts at once.
   */
  readonly set?: number;
}

/** The user SSH test hosts (`tarmac hosts up --ssh`) let in, with passwordless sudo like a deploy user. */
export const SSH_TEST_USER = 'deploy';

/** The host set from the option or `TARMAC_HOST_SET`, checked. */
export function hostSet(option?: number): number {
  const raw = option ?? Number(process.env.TARMAC_HOST_SET ?? 0);
  if (!Number.isInteger(raw) || raw < 0 || raw > 40) {
    throw new HostError(
      `host set must be an integer from 0 to 40 (given ${String(option ?? process.env.TARMAC_HOST_SET)}) — fix TARMAC_HOST_SET`,
      { set: String(raw) },
    );
  }
  return raw;
}

/** The machine-wide container name of host h`index` in `set`. */
export const machineName = (set: number, index: number) => (set === 0 ? `h${index}` : `s${set}h${index}`);

/**
 * Local test hosts h1..hN: real systemd as PID 1 in systemd-nspawn containers on tmpfs-backed overlays of /.
 * State is recorded in `<data>/hosts/hosts.json` so another process (`tarmac hosts list/down`) finds them.
 */
export class HostManager implements Hosts {
  readonly sharedDir: string;
  private readonly hostsDir: string;
  private readonly logger: Logger;
  private readonly set: number;

  constructor(private readonly options: HostManagerOptions) {
    this.set = hostSet(options.set);
    this.hostsDir = join(options.dataDir, 'hosts');
    this.sharedDir = join(this.hostsDir, 'shared');
    this.logger = options.logger ?? silentLogger();
  }

  /**
   * Boot hosts h1..h`count` (those not already running), in parallel. Returns every recorded host. With
   * `ssh`, each runs sshd with host keys of its own and lets {@link SSH_TEST_USER} in with the key of
   * {@link sshKey} (and passwordless sudo), as a server tarmac deploys to over SSH would.
   */
  async up(count: number, options: { ssh?: boolean } = {}): Promise<HostRecord[]> {
    if (!Number.isInteger(count) || count < 1 || count > 200) {
      throw new HostError(`host count must be an integer from 1 to 200 (given ${count})`, { count });
    }
    assertPrivileges();
    const running = await this.list();
    const wanted = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !running.some((h) => h.index === i));
    for (const index of wanted) {
      const machine = machineName(this.set, index);
      if (existsSync(`/sys/class/net/ve-${machine}`)) {
        throw new HostError(
          `host h${index} of host set ${this.set} is already running from another data dir (ve-${machine} exists) — stop it with tarmac hosts down --data <its dir>, or use another TARMAC_HOST_SET`,
          { host: `h${index}`, machine },
        );
      }
    }
    mkdirSync(this.sharedDir, { recursive: true });
    const ssh = options.ssh
      ? { user: SSH_TEST_USER, authorizedKey: await this.sshKey().then((k) => k.publicKey) }
      : undefined;
    const booted = await Promise.allSettled(wanted.map((index) => this.boot(index, ssh)));
    const ok = booted.flatMap((b) => (b.status === 'fulfilled' ? [b.value] : []));
    writeHosts(this.options.dataDir, [...running, ...ok]);
    const failed = booted.find((b) => b.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return this.list();
  }

  /** Stop every recorded host (kill its PID 1 by PID), wait for nspawn to exit, forget them. */
  async down(): Promise<HostRecord[]> {
    const hosts = readHosts(this.options.dataDir);
    await Promise.all(hosts.map((host) => stopHost(host)));
    for (const host of hosts) rmSync(host.dir, { recursive: true, force: true });
    writeHosts(this.options.dataDir, []);
    return hosts;
  }

  /** Kill one host's PID 1 (a fault to test with: the host is gone as a crashed machine is). */
  async kill(name: string): Promise<HostRecord> {
    const host = await this.get(name);
    await stopHost(host);
    return host;
  }

  /** Recorded hosts whose PID 1 is still alive. */
  async list(): Promise<HostRecord[]> {
    return readHosts(this.options.dataDir).filter(isAlive);
  }

  async get(name: string): Promise<HostRecord> {
    const host = (await this.list()).find((h) => h.name === name);
    if (!host) {
      const known = (await this.list()).map((h) => h.name);
      throw new HostError(
        `no running host ${name} in ${this.options.dataDir} (running: ${known.join(', ') || 'none'}) — tarmac hosts up <n>`,
        { host: name },
      );
    }
    return host;
  }

  /** Run `argv` inside host `name` as root, with only the given environment. */
  async exec(name: string, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return execIn(await this.get(name), argv, options);
  }

  async attach(name: string, argv: readonly string[], options: Pick<ExecOptions, 'env'> = {}): Promise<number | null> {
    return attachIn(await this.get(name), argv, options.env);
  }

  async attachArgv(name: string, argv: readonly string[], options: Pick<ExecOptions, 'env'> = {}): Promise<string[]> {
    return execArgv(await this.get(name), argv, options.env);
  }

  /** The key pair that logs into SSH test hosts (`<data>/hosts/ssh/id_ed25519`), made on first use. */
  async sshKey(): Promise<{ privateKeyFile: string; publicKey: string }> {
    const file = join(this.hostsDir, 'ssh', 'id_ed25519');
    if (!existsSync(file)) {
      mkdirSync(join(this.hostsDir, 'ssh'), { recursive: true, mode: 0o700 });
      const made = await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'tarmac-test-hosts', '-f', file]);
      if (made.code !== 0) throw new HostError(`ssh-keygen failed: ${made.stderr.trim()}`);
    }
    return { privateKeyFile: file, publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
  }

  private boot(index: number, ssh?: BootInput['ssh']): Promise<HostRecord> {
    const name = `h${index}`;
    this.logger.info({ host: name }, 'booting host');
    return bootHost({
      name,
      machine: machineName(this.set, index),
      index,
      subnetOctet: 213 + this.set,
      dir: join(this.hostsDir, name),
      sharedDir: this.sharedDir,
      logFile: join(this.hostsDir, `${name}.log`),
      logger: this.logger,
      ...(ssh ? { ssh } : {}),
    });
  }
}

function assertPrivileges(): void {
  if (process.getuid?.() !== 0) throw new HostError('local test hosts need root (mount, unshare, systemd-nspawn)');
  if (!existsSync('/usr/bin/systemd-nspawn')) {
    throw new HostError('systemd-nspawn is missing — install the Debian package systemd-container (scripts/setup.sh)');
  }
}

export { SHARED_MOUNT };
