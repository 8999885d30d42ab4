import type { DeploymentPlan } from '../../../core/plans';
import type { Hosts } from '../../../hosts/manager';
import { tail } from '../../../hosts/run';
import { readOptional, writeText } from './host-files';
import { lastGoodFile } from './paths';

/** The last revision that succeeded on every host of its deployment: what an automatic rollback redeploys. */
export interface GoodRevision {
  readonly deploymentId: string;
  readonly bundleKey: string;
  readonly bundleSha256?: string;
  readonly release: DeploymentPlan['release'];
  readonly hookEnv: Readonly<Record<string, string>>;
}

export async function recordGoodRevision(hosts: Hosts, host: string, group: string, good: GoodRevision): Promise<void> {
  await writeText(hosts, host, lastGoodFile(group), `${JSON.stringify(good)}\n`, 0o644);
}

export async function readGoodRevision(hosts: Hosts, host: string, group: string): Promise<GoodRevision | undefined> {
  const text = await readOptional(hosts, host, lastGoodFile(group));
  return text ? (JSON.parse(text) as GoodRevision) : undefined;
}

/** The instance unit's last journal lines on a host, for a failed deployment's error. */
export async function journalTail(
  hosts: Hosts,
  host: string,
  plan: Pick<DeploymentPlan, 'app' | 'env'>,
): Promise<string> {
  const unit = `tarmac-${plan.app}-${plan.env}.service`;
  try {
    // The slots' units too (`tarmac-<app>-<env>@blue`, `@green`): journalctl takes a glob.
    const slots = `tarmac-${plan.app}-${plan.env}@*.service`;
    const argv = ['journalctl', '-u', unit, '-u', slots, '-n', '15', '--no-pager', '-o', 'short-iso'];
    const result = await hosts.exec(host, argv, {
      timeoutMs: 15_000,
    });
    return `journal of ${unit} on ${host}:\n${tail(result.stdout, 15)}`;
  } catch (error) {
    return `journal of ${unit} on ${host} unavailable: ${error instanceof Error ? error.message : String(error)}`;
  }
}
