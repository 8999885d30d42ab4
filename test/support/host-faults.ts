import type { HostManager } from '../../functions/hosts/manager';

/**
 * Fill a host's root filesystem (its overlay's tmpfs upper layer) until `leaveBytes` are free; returns the
 * function that frees it again. A full disk is a per-host fault: the machine's own disks are not touched.
 */
export async function fillDisk(manager: HostManager, host: string, leaveBytes: number): Promise<() => Promise<void>> {
  const script = [
    'avail=$(df -B1 --output=avail / | tail -1 | tr -d " ")',
    `size=$((avail - ${leaveBytes}))`,
    '[ "$size" -gt 0 ] || exit 0',
    'fallocate -l "$size" /var/tmp/tarmac-fill || head -c "$size" /dev/zero > /var/tmp/tarmac-fill',
    'df -B1 --output=avail / | tail -1',
  ].join('\n');
  const result = await manager.exec(host, ['sh', '-c', script], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`could not fill the disk of ${host}: ${result.output}`);
  return async () => {
    await manager.exec(host, ['rm', '-f', '/var/tmp/tarmac-fill']);
  };
}

/** Kill a host's PID 1 (the whole host goes, as a crashed machine would). */
export async function killHost(manager: HostManager, host: string): Promise<void> {
  await manager.kill(host);
}

/** Start a detached process inside a host with the agent's DEPLOYMENT_ID, as a hook's child would have. */
export async function strayHookProcess(manager: HostManager, host: string, deploymentId: string): Promise<void> {
  const script = `DEPLOYMENT_ID=${deploymentId} setsid sleep 3600 </dev/null >/dev/null 2>&1 &`;
  await manager.exec(host, ['sh', '-c', script]);
}

/** PIDs inside a host whose environment carries exactly this DEPLOYMENT_ID. */
export async function processesOf(manager: HostManager, host: string, deploymentId: string): Promise<string[]> {
  const script = `for p in /proc/[0-9]*; do tr "\\000" "\\n" < "$p/environ" 2>/dev/null | grep -qx "DEPLOYMENT_ID=$1" && basename "$p"; done; true`;
  const result = await manager.exec(host, ['sh', '-c', script, 'find', deploymentId]);
  return result.stdout.split('\n').filter(Boolean);
}
