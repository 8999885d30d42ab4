import type { LifecycleEvent } from '../../../core/deployments';
import type { Hosts } from '../../../hosts/manager';
import { tail } from '../../../hosts/run';
import type { HookScript } from './appspec';

export interface HookRun {
  readonly ok: boolean;
  /** Last lines of the scripts' output (hooks never print secret values). */
  readonly tail: string;
}

/**
 * Run the scripts of one lifecycle event inside a host, as the agent does: root, `bash <script>` from the
 * revision's archive, a clean environment holding only the given variables, each script in its own process
 * group killed (SIGTERM, then SIGKILL) past its timeout. Stops at the first failing script.
 */
export async function runHook(
  hosts: Hosts,
  host: string,
  input: {
    readonly event: LifecycleEvent;
    readonly archive: string;
    readonly scripts: readonly HookScript[];
    readonly env: Readonly<Record<string, string>>;
    /** The scripts' stdin (BeforeInstall: the instance's secrets); never in argv or the environment. */
    readonly input?: string;
    readonly killGraceMs?: number;
  },
): Promise<HookRun> {
  let output = '';
  for (const script of input.scripts) {
    const path = `${input.archive}/${script.location}`;
    const result = await hosts.exec(host, ['bash', path], {
      env: { ...input.env, LIFECYCLE_EVENT: input.event },
      timeoutMs: script.timeoutSec * 1000,
      killGraceMs: input.killGraceMs ?? 5_000,
      ...(input.input !== undefined ? { input: input.input } : {}),
    });
    output += result.output;
    if (result.timedOut) {
      return { ok: false, tail: tail(`${output}\n${script.location} timed out after ${script.timeoutSec} s`) };
    }
    if (result.code !== 0) {
      const how = result.code === null ? `signal ${result.signal}` : `status ${result.code}`;
      return { ok: false, tail: tail(`${output}\n${script.location} exited with ${how}`) };
    }
  }
  return { ok: true, tail: tail(output) };
}
