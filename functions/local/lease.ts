import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';

export interface WorkerLease {
  release(): void;
}

/** A process as a lease file names it: PID and kernel start time (so a recycled PID is not taken for it). */
export interface LeaseHolder {
  readonly pid: number;
  readonly startTime?: string | undefined;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks) and the state letter; undefined when gone. */
function procStat(pid: number): { state: string; startTime: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** This process, as it writes itself into a lease file. */
export function self(): LeaseHolder {
  return { pid: process.pid, startTime: procStat(process.pid)?.startTime };
}

/**
 * A process that can still work: it exists, is not a zombie or dead (a SIGKILLed server not yet reaped by
 * its parent still has a PID — it holds nothing any more), and started when the lease file says.
 */
export function isAlive(holder: LeaseHolder): boolean {
  const stat = procStat(holder.pid);
  if (!stat) return false;
  if (stat.state === 'Z' || stat.state === 'X' || stat.state === 'x') return false;
  return holder.startTime === undefined || holder.startTime === stat.startTime;
}

/** Read a `pid [starttime]` file; undefined when missing or unreadable. */
export function readHolder(file: string): LeaseHolder | undefined {
  try {
    const [pid, startTime] = readFileSync(file, 'utf8').trim().split(/\s+/);
    const n = Number.parseInt(pid ?? '', 10);
    return Number.isInteger(n) && n > 0 ? { pid: n, startTime } : undefined;
  } catch {
    return undefined;
  }
}

const format = (holder: LeaseHolder) => `${holder.pid}${holder.startTime ? ` ${holder.startTime}` : ''}`;

/** Write `file` naming this process (e.g. `worker.waiting`: a server that wants the lease). */
export function writeSelf(file: string): void {
  writeFileSync(file, format(self()), { mode: 0o600 });
}

/** Remove `file` if it still names this process. */
export function removeSelf(file: string): void {
  if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
}

/**
 * One process at a time works a data dir's queue and runs its deployments (`tarmac serve`, or a CLI command
 * when no server runs). The lease is a PID file created exclusively; a stale one (its process is gone or a
 * zombie, e.g. after a SIGKILL) is taken over at once. Returns undefined while another live process holds it.
 */
export function takeWorkerLease(file: string): WorkerLease | undefined {
  const me = self();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, format(me));
      closeSync(fd);
      return {
        release() {
          if (readHolder(file)?.pid === me.pid) rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(file);
      if (holder && holder.pid !== me.pid && isAlive(holder)) return undefined;
      rmSync(file, { force: true });
    }
  }
  return undefined;
}
