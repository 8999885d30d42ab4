import { readFileSync } from 'node:fs';
import type { DeploymentProbe } from '../../../ports';

/** The PID in a worker lease file when that process is alive (signal 0 only checks), else undefined. */
export function liveWorker(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  } catch {
    return undefined; // no lease: nobody works the data dir
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/**
 * A local deployment runs inside the process working the data dir (it holds the worker lease). Running here:
 * running. Another live worker: running there (its runs cannot be seen from here). No live worker: the run
 * died with its worker — the next worker resumes it, unless an operator frees the fleet first.
 */
export function probeLocalDeployment(externalId: string, runningHere: boolean, pidFile?: string): DeploymentProbe {
  if (runningHere) return { state: 'running', detail: `${externalId} runs in this process` };
  if (!pidFile) return { state: 'unknown', detail: `${externalId} does not run in this process` };
  const pid = liveWorker(pidFile);
  if (pid !== undefined && pid !== process.pid) {
    return { state: 'running', detail: `${externalId} belongs to the live worker ${pid}` };
  }
  return {
    state: 'ended',
    status: 'failed',
    detail: `${externalId} has no live runner (no worker holds the data dir; the next one would resume it)`,
  };
}
