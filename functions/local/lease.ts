import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

export interface WorkerLease {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One process at a time works a data dir's queue and runs its deployments (`tarmac serve`, or a CLI command
 * when no server runs). The lease is a PID file created exclusively; a stale one (its process is gone, e.g.
 * after a crash) is taken over. Returns undefined while another live process holds it.
 */
export function takeWorkerLease(file: string): WorkerLease | undefined {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return {
        release() {
          try {
            if (readFileSync(file, 'utf8') === String(process.pid)) rmSync(file);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) return undefined;
      rmSync(file, { force: true });
    }
  }
  return undefined;
}
