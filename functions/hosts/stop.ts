import { readFileSync } from 'node:fs';
import { HostError } from './errors';
import { type HostRecord, isAlive } from './state';

/**
 * Stop a host the way the notes prescribe: SIGKILL to its PID 1, by PID (checked against the recorded start
 * time so a recycled PID is never hit). nspawn then exits; the private mount namespace (tmpfs, overlay) and
 * the veth go with it.
 */
export async function stopHost(host: HostRecord, timeoutMs = 20_000): Promise<void> {
  if (isAlive(host)) {
    try {
      process.kill(host.pid1, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(host) && !processExists(host.nspawnPid, 'systemd-nspawn')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new HostError(`host ${host.name} did not stop within ${timeoutMs} ms (nspawn PID ${host.nspawnPid})`, {
    host: host.name,
  });
}

/** A live (not zombie) process of that name. */
function processExists(pid: number, comm: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return name === comm && state !== 'Z';
  } catch {
    return false;
  }
}
