import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROLLBACK_CREATOR } from '../../functions/adapters/aws/codedeploy-rollbacks';
import { DEPLOYMENT_STATE_CHANGE, INSTANCE_STATE_CHANGE } from '../../functions/adapters/aws/eventbridge';
import { type Instance, newTarget, runRevision, type TargetRecord } from './codedeploy-agent';
import { publish } from './codedeploy-events';
import { download, groupInfo } from './codedeploy-revisions';
import type { TestHosts } from './hosts';
import type { RunningMoto } from './moto';

/** What the stand-in service knows about one deployment: moto's create-side data plus what it ran. */
export interface DeploymentRecord {
  readonly deploymentId: string;
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly deploymentConfigName: string;
  readonly revision?: {
    revisionType: 'S3';
    s3Location: { bucket: string; key: string; bundleType: string; eTag?: string; version?: string };
  };
  readonly autoRollback?: { enabled?: boolean; events?: string[] } | undefined;
  readonly description: string;
  status: 'Created' | 'InProgress' | 'Succeeded' | 'Failed' | 'Stopped';
  /** StopDeployment was called (and whether it asked for the touched instances to be rolled back). */
  stopRequest?: { autoRollback: boolean };
  creator: string;
  readonly createTime: number;
  startTime?: number;
  completeTime?: number;
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackTriggeringDeploymentId?: string; rollbackMessage?: string };
  /** Rollback deployments: only the instances the failed deployment touched. */
  onlyInstances?: string[];
  targets: TargetRecord[];
}

export interface ServiceContext {
  readonly moto: RunningMoto;
  readonly hosts: TestHosts;
  readonly instances: readonly Instance[];
  readonly records: Map<string, DeploymentRecord>;
  readonly notify: (event: Record<string, unknown>) => Promise<void>;
  readonly beforeRollback?: (rollback: DeploymentRecord) => Promise<void>;
  readonly motoCall: (op: string, body: unknown) => Promise<unknown>;
}

/** GetDeployment's `deploymentInfo` (timestamps as epoch seconds, as the JSON protocol sends them). */
export function deploymentInfo(r: DeploymentRecord) {
  const count = (s: string) => r.targets.filter((t) => t.status === s).length;
  return {
    deploymentId: r.deploymentId,
    applicationName: r.applicationName,
    deploymentGroupName: r.deploymentGroupName,
    deploymentConfigName: r.deploymentConfigName,
    revision: r.revision,
    status: r.status,
    creator: r.creator,
    createTime: r.createTime,
    ...(r.startTime ? { startTime: r.startTime } : {}),
    ...(r.completeTime ? { completeTime: r.completeTime } : {}),
    description: r.description,
    ...(r.rollbackInfo ? { rollbackInfo: r.rollbackInfo } : {}),
    deploymentOverview: Object.fromEntries(
      ['Pending', 'InProgress', 'Succeeded', 'Failed', 'Skipped', 'Ready'].map((s) => [s, count(s)]),
    ),
    computePlatform: 'Server',
  };
}

/**
 * Run one deployment as CodeDeploy would: START, the bundle downloaded from S3 (the pinned version, its
 * ETag checked), the group's instances (every tag set matched) in batches of its deployment config, a
 * failed instance ending the deployment, then SUCCESS, or FAILURE after creating the automatic rollback.
 */
export async function executeDeployment(ctx: ServiceContext, record: DeploymentRecord): Promise<void> {
  const group = await groupInfo(ctx, record);
  const instances = ctx.instances.filter(
    (i) => group.matches(i) && (!record.onlyInstances || record.onlyInstances.includes(i.instanceId)),
  );
  record.targets = instances.map(newTarget);
  record.status = 'InProgress';
  record.startTime = Date.now() / 1000;
  await publish(ctx, record, DEPLOYMENT_STATE_CHANGE, 'START');
  if (record.creator === ROLLBACK_CREATOR) await ctx.beforeRollback?.(record);
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-codedeploy-'));
  let ok = true;
  const touched: string[] = [];
  try {
    const bundleFile = await download(ctx, record, join(dir, 'bundle.tgz'));
    for (const batch of batches(record.targets, record.deploymentConfigName)) {
      const outcomes = await Promise.all(
        batch.map(async (target) => {
          await publish(ctx, record, INSTANCE_STATE_CHANGE, 'START', target.instance);
          const env = instanceProfile(ctx.moto, target.instance);
          const revision = { ...names(record, group.id), bundleFile };
          const stopped = () => (record.stopRequest ? 'stopped by StopDeployment' : undefined);
          const outcome = await runRevision(ctx.hosts.manager, target, revision, env, stopped);
          if (outcome.touched) touched.push(target.instance.instanceId);
          await publish(ctx, record, INSTANCE_STATE_CHANGE, outcome.ok ? 'SUCCESS' : 'FAILURE', target.instance);
          return outcome.ok;
        }),
      );
      if (outcomes.includes(false) || record.stopRequest) {
        ok = false;
        break;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const t of record.targets) if (t.status === 'Pending') t.status = 'Skipped';
  record.completeTime = Date.now() / 1000;
  if (record.stopRequest) {
    // Stopped, even when its last instance had just finished: the stop was asked while it ran.
    record.status = 'Stopped';
    if (record.stopRequest.autoRollback) await startRollback(ctx, record, touched, true);
    else record.rollbackInfo = { rollbackMessage: 'Stopped without a rollback' };
    return publish(ctx, record, DEPLOYMENT_STATE_CHANGE, 'STOP');
  }
  record.status = ok ? 'Succeeded' : 'Failed';
  if (!ok) await startRollback(ctx, record, touched);
  await publish(ctx, record, DEPLOYMENT_STATE_CHANGE, ok ? 'SUCCESS' : 'FAILURE');
}

/**
 * "If a deployment fails … the last known good version of an application revision is deployed." A stop
 * with `autoRollbackEnabled` (`requested`) rolls back whatever the group's configuration says.
 */
async function startRollback(
  ctx: ServiceContext,
  failed: DeploymentRecord,
  touched: string[],
  requested = false,
): Promise<void> {
  // The group's last deployment that succeeded (records are in creation order).
  const good = [...ctx.records.values()]
    .filter((r) => r.deploymentGroupName === failed.deploymentGroupName && r.status === 'Succeeded')
    .at(-1);
  const wanted =
    requested || (failed.autoRollback?.enabled && failed.autoRollback.events?.includes('DEPLOYMENT_FAILURE'));
  if (!wanted || !good?.revision) {
    failed.rollbackInfo = { rollbackMessage: 'Automatic rollback was not performed: no last successful revision' };
    return;
  }
  const { deploymentId } = (await ctx.motoCall('CreateDeployment', {
    applicationName: failed.applicationName,
    deploymentGroupName: failed.deploymentGroupName,
    revision: good.revision,
    deploymentConfigName: failed.deploymentConfigName,
    description: `Rollback of ${failed.deploymentId}`,
  })) as { deploymentId: string };
  ctx.records.set(deploymentId, {
    ...good,
    deploymentId,
    description: `Rollback of ${failed.deploymentId}`,
    autoRollback: { enabled: false },
    status: 'Created',
    creator: ROLLBACK_CREATOR,
    createTime: Date.now() / 1000,
    rollbackInfo: { rollbackTriggeringDeploymentId: failed.deploymentId },
    onlyInstances: touched,
    targets: [],
    startTime: undefined,
    completeTime: undefined,
  } as DeploymentRecord);
  failed.rollbackInfo = { rollbackDeploymentId: deploymentId, rollbackMessage: `Rollback deployment ${deploymentId}` };
}

function batches(targets: TargetRecord[], config: string): TargetRecord[][] {
  const size = config.endsWith('AllAtOnce')
    ? targets.length
    : config.endsWith('HalfAtATime')
      ? Math.ceil(targets.length / 2)
      : 1;
  const out: TargetRecord[][] = [];
  for (let i = 0; i < targets.length; i += Math.max(1, size)) out.push(targets.slice(i, i + Math.max(1, size)));
  return out;
}

const names = (record: DeploymentRecord, groupId: string) => ({
  deploymentId: record.deploymentId,
  application: record.applicationName,
  group: record.deploymentGroupName,
  groupId,
});

/**
 * What the instance profile gives an EC2 host's AWS CLI, here: moto over the host's veth link and test
 * credentials. No IMDS (nothing may leave this machine), no config file of the machine's.
 */
function instanceProfile(moto: RunningMoto, instance: Instance): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: `http://${instance.machineAddress}:${moto.port}`,
    AWS_ACCESS_KEY_ID: moto.clientConfig.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.clientConfig.credentials.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}
