import { existsSync, readFileSync, rmSync } from 'node:fs';
import { HostManager } from '../functions/hosts/manager';

/** Stop the hosts booted from this data dir (by their PIDs), optionally wiping the dir for a fresh run. */
export async function teardown(
  dataDir: string,
  say: (text: string) => void,
  options: { wipe: boolean },
): Promise<void> {
  if (!existsSync(dataDir)) return;
  const stopped = await new HostManager({ dataDir }).down();
  for (const host of stopped) say(`stopped ${host.name} (PID 1 = ${host.pid1})`);
  if (options.wipe) rmSync(dataDir, { recursive: true, force: true });
}

/** The last lines of a file, or '' when it does not exist. */
export function tailOf(file: string, lines: number): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
