import { DEPLOYMENT_STATE_CHANGE } from '../../functions/adapters/aws/eventbridge';
import { stopRunningHooks } from '../../functions/adapters/local/local-deployer/stop-hooks';
import { publish } from './codedeploy-events';
import type { DeploymentRecord, ServiceContext } from './codedeploy-runs';

/** An AWS JSON 1.1 answer: status and body. */
type Reply = readonly [number, unknown];

/**
 * StopDeployment as the CodeDeploy service does it ("Attempts to stop an ongoing deployment"): a deployment
 * that already ended is refused with DeploymentAlreadyCompletedException; otherwise no further lifecycle
 * event starts, the running one is stopped (its scripts get SIGTERM, then SIGKILL: every process of the
 * revision carries the agent's DEPLOYMENT_ID), the deployment ends `Stopped` with a STOP notification, and
 * with `autoRollbackEnabled` — "whether instances that have been updated should be rolled back to the
 * previous version of the application revision" — a rollback deployment redeploys the group's last good
 * revision to the instances it touched (see executeDeployment). Answers `Pending`: the stop completes after.
 */
export async function stopDeployment(
  ctx: ServiceContext,
  record: DeploymentRecord,
  input: { autoRollbackEnabled?: boolean },
): Promise<Reply> {
  if (record.status !== 'Created' && record.status !== 'InProgress') {
    return [
      400,
      {
        __type: 'DeploymentAlreadyCompletedException',
        message: `The deployment ${record.deploymentId} has already completed.`,
      },
    ];
  }
  record.stopRequest = { autoRollback: input.autoRollbackEnabled === true };
  if (record.status === 'Created') {
    // Not started yet: nothing ran anywhere, nothing to roll back.
    record.status = 'Stopped';
    record.completeTime = Date.now() / 1000;
    await publish(ctx, record, DEPLOYMENT_STATE_CHANGE, 'STOP');
    return [200, { status: 'Succeeded', statusMessage: 'Deployment stopped before it started' }];
  }
  const hosts = ctx.instances.filter((i) => record.targets.some((t) => t.instance.instanceId === i.instanceId));
  // The bundle's migration runs as a transient unit (no DEPLOYMENT_ID in its environment): stop it by name.
  await stopRunningHooks(
    ctx.hosts.manager,
    hosts.map((i) => i.host),
    { externalId: record.deploymentId, migrateUnit: `tarmac-${record.deploymentGroupName}-migrate-*.service` },
  );
  return [200, { status: 'Pending', statusMessage: `Stopping deployment ${record.deploymentId}` }];
}
