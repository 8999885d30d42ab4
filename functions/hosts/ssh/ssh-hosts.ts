import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SshHost } from '../../core/config/ssh-hosts';
import { type Logger, silentLogger } from '../../log';
import { HostError } from '../errors';
import { type ExecOptions, type ExecResult, HOST_PATH } from '../exec';
import type { HostInfo, Hosts } from '../manager';
import { run } from '../run';
import { controlArgv, describeTarget, masterArgv, type SshTarget, sessionArgv, targetOf } from './args';
import { HostKeyChangedError, HostKeyUnknownError, SshUnreachableError } from './errors';
import { shellQuote } from './remote-job';
import { execOverSsh } from './session';

export interface SshHostsOptions {
  /** tarmac's data dir: pinned keys in `<data>/ssh/known_hosts/<fleet>`, master sockets in `<data>/ssh/ctl/`. */
  readonly dataDir: string;
  readonly hosts: ReadonlyMap<string, SshHost>;
  readonly logger?: Logger;
}

/** `<data>/ssh/known_hosts/<fleet>`: the host keys `tarmac hosts trust <fleet>` pinned. */
export const knownHostsFile = (dataDir: string, fleet: string) => join(dataDir, 'ssh', 'known_hosts', fleet);

/**
 * Servers reached with the system's OpenSSH client, as {@link Hosts}: one master connection per server
 * (ControlMaster, socket in a 0700 directory of the data dir) carries every command; host keys are checked
 * against the fleet's pinned known_hosts only; commands run as root (`sudo -n` for another user) through
 * the remote runner (./remote-job.ts), which kills a command's process group at its timeout and keeps its
 * fate on the server when the connection drops.
 */
export class SshHosts implements Hosts {
  private readonly targets = new Map<string, SshTarget>();
  private readonly logger: Logger;
  private readonly controlDir: string;
  /** One connection attempt at a time per server: two masters would fight over one socket. */
  private readonly connecting = new Map<string, Promise<void>>();

  constructor(options: SshHostsOptions) {
    this.logger = options.logger ?? silentLogger();
    this.controlDir = join(options.dataDir, 'ssh', 'ctl');
    for (const [name, ssh] of options.hosts) {
      const target = targetOf(ssh, { knownHosts: (f) => knownHostsFile(options.dataDir, f), control: this.controlDir });
      this.targets.set(name, target);
    }
  }

  has(name: string): boolean {
    return this.targets.has(name);
  }

  /** The servers that answer now (master connection up, host key verified); the others are logged why. */
  async list(): Promise<HostInfo[]> {
    const probes = await Promise.all(
      [...this.targets.values()].map(async (t) => {
        try {
          await this.connect(t);
          return [{ name: t.name, address: t.host }];
        } catch (error) {
          this.logger.warn({ host: t.name, err: error }, 'SSH host unreachable');
          return [];
        }
      }),
    );
    return probes.flat();
  }

  async get(name: string): Promise<HostInfo> {
    const target = this.target(name);
    return { name, address: target.host };
  }

  exec(name: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return execOverSsh(
      {
        connect: (t) => this.connect(t),
        onLost: (t, jobId, why) =>
          this.logger.warn(
            { host: t.name, jobId, why },
            'SSH connection lost during a command: reconnecting to learn its fate',
          ),
      },
      this.target(name),
      argv,
      options,
    );
  }

  /** `tarmac console`: the command as root (`sudo -n` for another user) on a terminal (`ssh -t`). */
  async attach(name: string, argv: readonly string[], options: Pick<ExecOptions, 'env'> = {}): Promise<number | null> {
    const [command, ...args] = await this.attachArgv(name, argv, options);
    const child = spawn(command as string, args, { stdio: 'inherit' });
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => resolve(code));
    });
  }

  /** `ssh -t` over the server's master connection, the command as root (`sudo -n` for another user). */
  async attachArgv(name: string, argv: readonly string[], options: Pick<ExecOptions, 'env'> = {}): Promise<string[]> {
    const t = this.target(name);
    await this.connect(t);
    const vars = Object.entries({ PATH: HOST_PATH, ...options.env }).map(([k, v]) => `${k}=${v}`);
    const words = [...(t.user === 'root' ? [] : ['sudo', '-n', '--']), '/usr/bin/env', '-i', ...vars, ...argv];
    return sessionArgv(t, words.map(shellQuote).join(' ')).flatMap((w, i) => (i === 1 ? ['-t', w] : [w]));
  }

  /** Stop every master connection this data dir has. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.targets.values()]
        .filter((t) => existsSync(t.controlPath))
        .map((t) => run(controlArgv(t, 'exit'), { timeoutMs: 10_000 })),
    );
  }

  /** The PID of a server's master connection, when one runs (`ssh -O check`). */
  async masterPid(name: string): Promise<number | undefined> {
    const result = await run(controlArgv(this.target(name), 'check'), { timeoutMs: 10_000 });
    const match = /pid=(\d+)/.exec(result.stderr);
    return result.code === 0 && match ? Number(match[1]) : undefined;
  }

  private target(name: string): SshTarget {
    const target = this.targets.get(name);
    if (!target) {
      throw new HostError(
        `no SSH host ${name} in the configuration (known: ${[...this.targets.keys()].join(', ') || 'none'})`,
        {
          host: name,
        },
      );
    }
    return target;
  }

  /** Make sure the master connection of a server runs; start it (and verify the host key) when not. */
  private connect(t: SshTarget): Promise<void> {
    const pending = this.connecting.get(t.name);
    if (pending) return pending;
    const attempt = this.connectWithRetries(t).finally(() => this.connecting.delete(t.name));
    this.connecting.set(t.name, attempt);
    return attempt;
  }

  /** A slow or flaky link gets three tries; a host key problem none (it will not fix itself). */
  private async connectWithRetries(t: SshTarget): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.connectOnce(t);
      } catch (error) {
        if (!(error instanceof SshUnreachableError) || attempt >= 3) throw error;
        this.logger.warn({ host: t.name, attempt, err: error }, 'SSH connection failed: trying again');
        await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
      }
    }
  }

  private async connectOnce(t: SshTarget): Promise<void> {
    // A Unix socket path holds at most 108 bytes, and ssh adds a 17-character suffix while it creates one.
    if (t.controlPath.length > 90) {
      throw new HostError(
        `the SSH control socket ${t.controlPath} would be ${t.controlPath.length} characters (at most 90) — use a shorter --data path`,
        { host: t.name },
      );
    }
    mkdirSync(this.controlDir, { recursive: true, mode: 0o700 });
    chmodSync(join(this.controlDir, '..'), 0o700);
    chmodSync(this.controlDir, 0o700);
    if (existsSync(t.controlPath) && (await run(controlArgv(t, 'check'), { timeoutMs: 10_000 })).code === 0) return;
    rmSync(t.controlPath, { force: true });
    const missing = t.knownHosts.filter((f) => !existsSync(f));
    if (missing.length === t.knownHosts.length)
      throw new HostKeyUnknownError(t.name, describeTarget(t), t.knownHosts, t.fleet);
    const log = `${t.controlPath}.log`;
    // The backgrounded master keeps the stderr it was given: a file, so nobody waits on its pipe.
    const result = await run(['sh', '-c', 'exec "$@" 2>"$0" </dev/null >/dev/null', log, ...masterArgv(t)], {
      timeoutMs: 30_000,
    });
    if (result.code === 0) return;
    throw classify(t, readLog(log) || result.stderr || `ssh exited with ${result.code ?? result.signal}`);
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Turn ssh's complaint into an error that says what to do. */
function classify(t: SshTarget, stderr: string): HostError {
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i.test(stderr)) {
    return new HostKeyChangedError(t.name, describeTarget(t), t.knownHosts, t.fleet);
  }
  if (/No .* host key is known|Host key verification failed/i.test(stderr)) {
    return new HostKeyUnknownError(t.name, describeTarget(t), t.knownHosts, t.fleet);
  }
  return new SshUnreachableError(t.name, describeTarget(t), stderr.split('\n').filter(Boolean).at(-1) ?? 'ssh failed');
}
