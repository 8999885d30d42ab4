import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One booted local test host, as recorded for other processes (`tarmac hosts list/down`). */
export interface HostRecord {
  /** `h1`, `h2`, … — the host's name in fleets and its hostname. */
  readonly name: string;
  /** Machine-wide container name and veth suffix (`ve-h1`; `ve-s3h1` in host set 3). Absent: the name. */
  readonly machine?: string;
  readonly index: number;
  /** The host's systemd (its PID 1), as seen from the machine. */
  readonly pid1: number;
  /** `starttime` of that PID in /proc, so a recycled PID is never mistaken for the host. */
  readonly pid1StartTime: string;
  readonly nspawnPid: number;
  /** Address inside the host (`host0`), reachable from the machine. */
  readonly address: string;
  /** Machine side of the veth (`ve-<machine>`). */
  readonly machineAddress: string;
  readonly dir: string;
  readonly bootedAt: string;
  /** Booted with sshd (`tarmac hosts up --ssh`): who may log in, on which port. */
  readonly ssh?: { readonly user: string; readonly port: number };
}

/** `<data>/hosts/hosts.json`: the hosts booted from this data dir. */
export function stateFile(dataDir: string): string {
  return join(dataDir, 'hosts', 'hosts.json');
}

export function readHosts(dataDir: string): HostRecord[] {
  try {
    return (JSON.parse(readFileSync(stateFile(dataDir), 'utf8')) as { hosts: HostRecord[] }).hosts;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Replace the recorded hosts atomically (write then rename), sorted by index. */
export function writeHosts(dataDir: string, hosts: readonly HostRecord[]): void {
  const file = stateFile(dataDir);
  mkdirSync(dirname(file), { recursive: true });
  const sorted = [...hosts].sort((a, b) => a.index - b.index);
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ hosts: sorted }, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** The `starttime` field (22nd) of /proc/<pid>/stat, or undefined when the process is gone. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** True when the recorded PID 1 is still that same process, and not a zombie (a killed host not yet reaped). */
export function isAlive(host: Pick<HostRecord, 'pid1' | 'pid1StartTime'>): boolean {
  if (processStartTime(host.pid1) !== host.pid1StartTime) return false;
  try {
    const stat = readFileSync(`/proc/${host.pid1}/stat`, 'utf8');
    return !'ZXx'.includes(stat.charAt(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}
