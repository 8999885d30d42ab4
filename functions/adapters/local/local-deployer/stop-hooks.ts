import type { Hosts } from '../../../hosts/manager';

/**
 * Stop what a run is doing on its hosts right now (`tarmac abort`): every process of the run's hooks carries
 * the agent's `DEPLOYMENT_ID` (children inherit it) — exactly this run's, not its automatic rollback's
 * (`…-rollback`), which must go on. They get SIGTERM, then SIGKILL after `graceSec`; the run's transient
 * migration unit is stopped too. The killed hook fails, and the run goes on to its rollback.
 */
export async function stopRunningHooks(
  hosts: Hosts,
  names: readonly string[],
  run: { externalId: string; migrateUnit: string },
  graceSec = 3,
): Promise<void> {
  const script = [
    'id=$1; unit=$2; grace=$3; pids=',
    'for p in /proc/[0-9]*; do',
    '  tr "\\000" "\\n" < "$p/environ" 2>/dev/null | grep -qxF "DEPLOYMENT_ID=$id" && pids="$pids $(basename "$p")"',
    'done',
    '[ -z "$pids" ] || kill -TERM $pids 2>/dev/null',
    'systemctl stop "$unit" 2>/dev/null || true',
    '[ -z "$pids" ] && exit 0',
    'sleep "$grace"; kill -KILL $pids 2>/dev/null; exit 0',
  ].join('\n');
  await Promise.all(
    names.map(
      (host) =>
        hosts
          .exec(host, ['sh', '-c', script, 'stop', run.externalId, run.migrateUnit, String(graceSec)], {
            timeoutMs: (graceSec + 30) * 1000,
          })
          .catch(() => undefined), // a host that is down runs nothing to stop
    ),
  );
}
