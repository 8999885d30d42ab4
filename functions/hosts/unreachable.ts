import { HostManager } from './manager';

/** Which of the named local test hosts of a data dir are not running (a plan counts them as unreachable). */
export function unreachableLocalHosts(dataDir: string): (names: readonly string[]) => Promise<string[]> {
  const hosts = new HostManager({ dataDir });
  return async (names) => {
    const up = new Set((await hosts.list()).map((h) => h.name));
    return names.filter((name) => !up.has(name));
  };
}
