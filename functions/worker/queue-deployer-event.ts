import { createHash } from 'node:crypto';
import { jobGroup } from '../core/jobs';
import type { DeployerEvent, JobQueue, StateStore } from '../ports';
import { getDeployment } from '../state/deployments';

/**
 * Queue a deployer event as a `deployer-event` job in its deployment's fleet group, so the worker applies it
 * in order with the rest of that fleet's work (local deployer callbacks and CodeDeploy notifications alike).
 * `key` identifies the event (queue deduplication and exactly-once). Events of unknown deployments are dropped.
 */
export async function enqueueDeployerEvent(
  deps: { queue: JobQueue; state: StateStore },
  event: DeployerEvent,
  key: string,
): Promise<boolean> {
  const deployment = await getDeployment(deps.state, event.deploymentId);
  if (!deployment) return false;
  await deps.queue.send({
    group: jobGroup(() => deployment.fleet, deployment),
    dedupKey: key,
    body: {
      type: 'deployer-event',
      v: 1,
      idempotencyKey: key,
      correlationId: deployment.correlationId,
      app: deployment.app,
      event: { ...event },
    },
  });
  return true;
}

/**
 * A key naming an event: its deployment, type and (for host events) host, lifecycle event and status. Keys
 * longer than the 128 characters a job's idempotency key may have are hashed, never cut (a cut could merge
 * two events).
 */
export function deployerEventKey(prefix: string, event: DeployerEvent, suffix = ''): string {
  const host = 'host' in event ? `-${event.host}-${event.event}-${event.status}` : '';
  const key = `${prefix}-${event.deploymentId}-${event.type}${host}${suffix}`;
  return key.length <= 128 ? key : `${prefix.slice(0, 40)}-${createHash('sha256').update(key).digest('hex')}`;
}
