import { type HostPlatform, parsePlatformReport } from '../core/compat';
import { HOST_PLATFORM_PROBE } from '../core/platform-probe';
import type { Logger } from '../log';
import type { HostManager } from './manager';

/**
 * Ask each running host what it offers a release — the same `host_platform` BeforeInstall uses
 * (core/platform-probe.ts), run inside the host. A host that is down, or does not answer, is unknown.
 */
export async function reportPlatforms(
  manager: Pick<HostManager, 'list' | 'exec'>,
  names: readonly string[],
  logger?: Logger,
): Promise<Record<string, HostPlatform | undefined>> {
  const up = new Set((await manager.list()).map((h) => h.name));
  const script = `${HOST_PLATFORM_PROBE}\nhost_platform\n`;
  const entries = await Promise.all(
    names.map(async (name): Promise<[string, HostPlatform | undefined]> => {
      if (!up.has(name)) return [name, undefined];
      const result = await manager.exec(name, ['bash', '-c', script], { timeoutMs: 10_000 });
      const platform = result.code === 0 ? parsePlatformReport(result.stdout) : undefined;
      if (!platform) logger?.warn({ event: 'host.platform_unknown', host: name, output: result.output.slice(-500) });
      return [name, platform];
    }),
  );
  return Object.fromEntries(entries);
}
