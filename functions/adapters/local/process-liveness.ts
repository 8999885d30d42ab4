/** Process liveness from /proc: a PID that is gone, a zombie or recycled is not the process a file names. */
import { readFileSync } from 'node:fs';

/** A process as a lease file names it: PID and kernel start time (so a recycled PID is not taken for it). */
export interface LeaseHolder {
  readonly pid: number;
  readonly startTime?: string | undefined;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks) and the state letter; undefined when gone. */
export function procStat(pid: number): { state: string; startTime: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
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
