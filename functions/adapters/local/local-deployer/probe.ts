import type { DeploymentProbe } from '../../../ports';
import { isAlive, readHolder } from '../process-liveness';

/** The PID in a worker lease file when that process still works (not gone, not a zombie, not recycled). */
export function liveWorker(pidFile: string): number | undefined {
  const holder = readHolder(pidFile);
  return holder && isAlive(holder) ? holder.pid : undefined;
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
