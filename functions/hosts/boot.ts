import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log';
import { HostError } from './errors';
import { run } from './run';
import { type HostRecord, processStartTime } from './state';
import { stopHost } from './stop';

/** Units the machine has enabled that a test host does not need (they slow the boot or fail inside). */
export const MASKED_UNITS = [
  'postgresql.service',
  'postgresql@.service',
  'getty@.service',
  'serial-getty@.service',
  'console-getty.service',
  'avahi-daemon.service',
  'avahi-daemon.socket',
  'systemd-networkd-wait-online.service',
  'systemd-timesyncd.service',
  'systemd-pstore.service',
  'cron.service',
  'e2scrub_reap.service',
  'apt-daily.timer',
  'apt-daily-upgrade.timer',
  'dpkg-db-backup.timer',
  'e2scrub_all.timer',
  'fstrim.timer',
  'man-db.timer',
  'logrotate.timer',
];

/** Where every host sees the directory shared by all hosts of a data dir. */
export const SHARED_MOUNT = '/var/lib/tarmac-agent/shared';

export interface BootInput {
  readonly name: string;
  /** Machine-wide name of the container and its veth (`ve-<machine>`): the name, or `s<set>h<index>` in a set. */
  readonly machine: string;
  readonly index: number;
  /** Second octet of the host's subnet: `10.<octet>.<index>.0/24`. */
  readonly subnetOctet: number;
  /** Empty directory: a tmpfs is mounted on it (in a private mount namespace) holding the host's changes. */
  readonly dir: string;
  readonly sharedDir: string;
  readonly logFile: string;
  readonly tmpfsSize?: string;
  readonly logger: Logger;
  /** Run sshd inside, with host keys of its own and this user allowed in with this key (and sudo). */
  readonly ssh?: { readonly user: string; readonly authorizedKey: string };
}

/**
 * The shell run inside `unshare --mount --propagation private`: tmpfs, overlay of / (tmpfs upper layer, so
 * nothing the host does reaches the machine — systemd empties /tmp at boot), hostname and masks written into
 * the upper layer, then systemd-nspawn boots the overlay. See shared/notes/systemd-hosts.md.
 */
export function bootScript(
  input: Pick<BootInput, 'name' | 'machine' | 'dir' | 'sharedDir' | 'tmpfsSize'> & { ssh?: unknown },
): string {
  const masks = MASKED_UNITS.map((unit) => `ln -sf /dev/null "$H/upper/etc/systemd/system/${unit}"`).join('\n');
  return `set -eu
H=${quote(input.dir)}
mount -t tmpfs -o size=${input.tmpfsSize ?? '2g'},mode=0755 tmpfs "$H"
mkdir -p "$H/upper/etc/systemd/system" "$H/work" "$H/root"
echo ${quote(input.name)} > "$H/upper/etc/hostname"
${masks}
mount -t overlay overlay -o lowerdir=/,upperdir="$H/upper",workdir="$H/work" "$H/root"
${input.ssh ? SSH_LAYER : ''}exec systemd-nspawn --quiet --register=no --keep-unit -D "$H/root" -M ${quote(input.machine)} \\
  --network-veth --bind=${quote(input.sharedDir)}:${SHARED_MOUNT} -b
`;
}

/**
 * An SSH host must not share the machine's host keys (every host is an overlay of the same /): they are
 * removed from its layer and made anew inside after boot; the machine's "never run sshd" marker too.
 */
const SSH_LAYER = `rm -f "$H/root/etc/ssh/sshd_not_to_be_run" "$H"/root/etc/ssh/ssh_host_*
`;

/** Boot one host and wait until its systemd reports `running` (or `degraded`). */
export async function bootHost(input: BootInput): Promise<HostRecord> {
  mkdirSync(input.dir, { recursive: true });
  mkdirSync(input.sharedDir, { recursive: true });
  const log = openSync(input.logFile, 'a');
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', bootScript(input)], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  const nspawnPid = child.pid;
  if (nspawnPid === undefined) throw new HostError(`could not start systemd-nspawn for ${input.name}`);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });

  const pid1 = await waitFor(input, 20_000, () => {
    if (exited) throw bootFailed(input, 'systemd-nspawn exited');
    return childPid(nspawnPid);
  });
  const pid1StartTime = processStartTime(pid1);
  if (pid1StartTime === undefined) throw bootFailed(input, 'the host systemd exited');
  const address = `10.${input.subnetOctet}.${input.index}.2`;
  const machineAddress = `10.${input.subnetOctet}.${input.index}.1`;
  const record: HostRecord = {
    name: input.name,
    machine: input.machine,
    index: input.index,
    pid1,
    pid1StartTime,
    nspawnPid,
    address,
    machineAddress,
    dir: input.dir,
    bootedAt: new Date().toISOString(),
  };
  try {
    await configureNetwork(record);
    await waitUntilRunning(record, input);
    if (!input.ssh) return record;
    await startSshd(record, input.ssh);
    return { ...record, ssh: { user: input.ssh.user, port: 22 } };
  } catch (error) {
    // Not recorded yet, so nobody else could stop it: a host that did not come up is stopped here.
    await stopHost(record).catch(() => undefined);
    throw error;
  }
}

/** Host keys of its own, the user with the key and passwordless sudo, then sshd (Debian's ssh.service). */
async function startSshd(host: HostRecord, ssh: NonNullable<BootInput['ssh']>): Promise<void> {
  const script = `set -eu
ssh-keygen -A -q
# sudo resolves the host's own name; a server has it in /etc/hosts.
grep -q "[[:space:]]$(hostname)$" /etc/hosts || printf '127.0.1.1 %s\\n' "$(hostname)" >> /etc/hosts
id -u "$1" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$1"
install -d -m 0700 -o "$1" -g "$1" "/home/$1/.ssh"
printf '%s\\n' "$2" > "/home/$1/.ssh/authorized_keys"
chown "$1:$1" "/home/$1/.ssh/authorized_keys"; chmod 0600 "/home/$1/.ssh/authorized_keys"
printf '%s ALL=(root) NOPASSWD: ALL\\n' "$1" > /etc/sudoers.d/tarmac-test; chmod 0440 /etc/sudoers.d/tarmac-test
systemctl start ssh.service`;
  const argv = ['nsenter', '-t', String(host.pid1), '-a', 'sh', '-c', script, 'sshd', ssh.user, ssh.authorizedKey];
  const result = await run(argv, { timeoutMs: 60_000 });
  if (result.code !== 0)
    throw new HostError(`sshd did not start in ${host.name}: ${result.stderr.trim()}`, { host: host.name });
}

async function configureNetwork(host: HostRecord): Promise<void> {
  const link = `ve-${host.machine ?? host.name}`;
  const steps: string[][] = [
    ['ip', 'addr', 'replace', `${host.machineAddress}/24`, 'dev', link],
    ['ip', 'link', 'set', link, 'up'],
    ['nsenter', '-t', String(host.pid1), '-n', 'ip', 'addr', 'replace', `${host.address}/24`, 'dev', 'host0'],
    ['nsenter', '-t', String(host.pid1), '-n', 'ip', 'link', 'set', 'host0', 'up'],
  ];
  for (const argv of steps) {
    // The veth appears a moment after nspawn forked the host's PID 1: retry briefly.
    let result = await run(argv, { timeoutMs: 10_000 });
    for (let i = 0; i < 50 && result.code !== 0; i++) {
      await sleep(100);
      result = await run(argv, { timeoutMs: 10_000 });
    }
    if (result.code !== 0)
      throw new HostError(`${argv.join(' ')} failed: ${result.stderr.trim()}`, { host: host.name });
  }
}

async function waitUntilRunning(host: HostRecord, input: BootInput): Promise<void> {
  const state = await waitFor(input, 90_000, async () => {
    const result = await run(['nsenter', '-t', String(host.pid1), '-a', 'systemctl', 'is-system-running'], {
      timeoutMs: 10_000,
    });
    const value = result.stdout.trim();
    return value === 'running' || value === 'degraded' ? value : undefined;
  });
  if (state === 'degraded') {
    const failed = await run(['nsenter', '-t', String(host.pid1), '-a', 'systemctl', '--failed', '--no-legend'], {
      timeoutMs: 10_000,
    });
    input.logger.debug({ host: host.name, failed: failed.stdout.trim() }, 'host booted degraded');
  }
}

/**
 * The host's PID 1: the child of systemd-nspawn that exec'ed systemd. Before that, the same PID runs the
 * boot script's `mount` or nspawn's own setup, so both names are checked.
 */
function childPid(pid: number): number | undefined {
  try {
    if (comm(pid) !== 'systemd-nspawn') return undefined;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    return children.find((child) => child > 0 && comm(child) === 'systemd');
  } catch {
    return undefined;
  }
}

function comm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

async function waitFor<T>(
  input: BootInput,
  timeoutMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw bootFailed(input, `not ready within ${timeoutMs} ms`);
}

function bootFailed(input: BootInput, why: string): HostError {
  let logTail = '';
  try {
    logTail = readFileSync(input.logFile, 'utf8').split('\n').slice(-15).join('\n');
  } catch {}
  return new HostError(`host ${input.name} did not boot: ${why} — see ${input.logFile}\n${logTail}`, {
    host: input.name,
    logFile: input.logFile,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function quote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export const hostDir = (hostsDir: string, name: string) => join(hostsDir, name);
