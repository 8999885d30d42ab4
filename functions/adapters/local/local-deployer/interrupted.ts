import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DeploymentPlan } from '../../../core/plans';
import type { Hosts } from '../../../hosts/manager';
import type { Logger } from '../../../log';
import { migrationStatusFile } from './paths';

/**
 * Before a deployment runs (again, after its worker died: local recovery), undo what a dead run left behind:
 * - its hook processes and those of its automatic rollback, still running inside the hosts (they outlive the
 *   worker that started them) — found by the `DEPLOYMENT_ID` in their environment and killed, so a stale
 *   ValidateService cannot switch `current` back under the new run;
 * - its transient migration unit;
 * - a migration claim never marked done — in the directory the hosts share, or a host's own claim under the
 *   deployer's lock — which would make every host wait for it forever (or report the dead run's failure): it is
 *   removed and the migration runs again (migrations must be idempotent, as Ecto's are).
 * Safe because one process alone works a data dir (the worker lease) and this deployer is not running it.
 * On a first run no process carries the id and nothing is touched.
 */
export async function clearInterruptedRun(hosts: Hosts, plan: DeploymentPlan, logger: Logger): Promise<void> {
  const unit = `tarmac-${plan.app}-${plan.env}-migrate-${plan.deploymentId}.service`;
  // Every hook process of the run and of its automatic rollback carries the agent's DEPLOYMENT_ID (children
  // inherit it), including ApplicationStop, which runs from an older revision's archive.
  const script = [
    'id=$1; unit=$2; claim=$3; found=',
    // One grep over every environment (NUL-separated lines), not a pipeline per process.
    'for f in $(grep -lszxE "DEPLOYMENT_ID=local-$id(-rollback)?" /proc/[0-9]*/environ); do',
    '  kill -KILL "$(basename "$(dirname "$f")")" 2>/dev/null && found=1',
    'done',
    'systemctl stop "$unit" 2>/dev/null || true',
    // This host's claim of the migration, not marked done: the dead run's (its migration may even have been
    // marked failed because its output pipe broke with the worker) — removed, so the migration runs again.
    'if [ -d "$claim" ] && ! grep -qs "^done " "$claim/status"; then rm -rf -- "$claim"; found=1; fi',
    '[ -z "$found" ] || echo cleared',
  ].join('\n');
  const hostClaim = dirname(migrationStatusFile(plan.app, plan.env, plan.deploymentId));
  const results = await Promise.all(
    plan.batches
      .flat()
      .map((host) =>
        hosts
          .exec(host, ['sh', '-c', script, 'clear', plan.deploymentId, unit, hostClaim], { timeoutMs: 60_000 })
          .catch(() => undefined),
      ),
  );
  if (results.some((r) => r?.stdout.includes('cleared'))) {
    logger.warn({ deploymentId: plan.deploymentId }, 'stopped what an interrupted run of this deployment left running');
  }
  // Bundles rendered before the deployer held the migration lock used a directory shared by local hosts.
  if (!hosts.sharedDir) return;
  const claim = join(hosts.sharedDir, 'locks', plan.app, plan.env, plan.deploymentId); // lock.sh's lock_dir
  if (!existsSync(claim)) return;
  const statusFile = join(claim, 'status');
  const status = existsSync(statusFile) ? readFileSync(statusFile, 'utf8').split(' ')[0] : 'running';
  if (status === 'done') return;
  rmSync(claim, { recursive: true, force: true });
  logger.warn({ deploymentId: plan.deploymentId, status }, 'cleared the migration claim of an interrupted run');
}
