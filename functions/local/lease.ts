import { closeSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { isAlive, type LeaseHolder, procStat, readHolder } from '../adapters/local/process-liveness';

export { isAlive, type LeaseHolder, readHolder };

export interface WorkerLease {
  release(): void;
}

/** This process, as it writes itself into a lease file. */
export function self(): LeaseHolder {
  return { pid: process.pid, startTime: procStat(process.pid)?.startTime };
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
