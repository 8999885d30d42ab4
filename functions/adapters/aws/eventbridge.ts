import type { HostResult } from '../../core/deployments';
import type { DeployerEvent } from '../../ports';

export const DEPLOYMENT_STATE_CHANGE = 'CodeDeploy Deployment State-change Notification';
export const INSTANCE_STATE_CHANGE = 'CodeDeploy Instance State-change Notification';

/** The EventBridge envelope CodeDeploy publishes (source `aws.codedeploy`). */
export interface CodeDeployNotification {
  readonly source: string;
  readonly 'detail-type': string;
  /** When the state changed (ISO 8601). */
  readonly time: string;
  readonly detail: {
    readonly deploymentId: string;
    /** START, SUCCESS, FAILURE, STOP, READY (blue/green only). */
    readonly state: string;
    readonly application: string;
    readonly deploymentGroup: string;
    readonly instanceGroupId?: string;
    readonly region?: string;
    /** Instance notifications only. */
    readonly instanceId?: string;
  };
}

/** tarmac deployment id of a CodeDeploy deployment id (stored as the deployment's externalId), if tarmac made it. */
export type ResolveDeploymentId = (externalId: string) => Promise<string | undefined>;

/**
 * Map a CodeDeploy notification to the deployer event the worker records. Returns undefined for what tarmac
 * does not track: other sources, READY (blue/green), instance START/FAILURE (the failing lifecycle event is
 * not in the notification — fetch it with `CodeDeployDeployer.hostResults` and {@link hostEvents}), and
 * deployments tarmac did not create (e.g. the one CodeDeploy starts for an automatic rollback).
 *
 * @example
 *   const event = await mapCodeDeployEvent(input, (id) => deployments.byExternalId(id).then((d) => d?.id));
 */
export async function mapCodeDeployEvent(
  input: CodeDeployNotification,
  resolve: ResolveDeploymentId,
): Promise<DeployerEvent | undefined> {
  if (input.source !== 'aws.codedeploy') return undefined;
  const { detail } = input;
  const kind = input['detail-type'];
  if (kind !== DEPLOYMENT_STATE_CHANGE && kind !== INSTANCE_STATE_CHANGE) return undefined;
  const deploymentId = await resolve(detail.deploymentId);
  if (deploymentId === undefined) return undefined;
  const at = new Date(input.time).toISOString();
  return kind === DEPLOYMENT_STATE_CHANGE
    ? deploymentEvent(deploymentId, input, at)
    : instanceEvent(deploymentId, input, at);
}

function deploymentEvent(deploymentId: string, input: CodeDeployNotification, at: string): DeployerEvent | undefined {
  const { deploymentId: externalId, state, deploymentGroup } = input.detail;
  switch (state) {
    case 'START':
      return { type: 'deployment.started', deploymentId, externalId, at };
    case 'SUCCESS':
      return { type: 'deployment.finished', deploymentId, status: 'succeeded', at };
    case 'FAILURE':
      return {
        type: 'deployment.finished',
        deploymentId,
        status: 'failed',
        at,
        error: `CodeDeploy deployment ${externalId} of group ${deploymentGroup} failed — see the host results for the failing hook and its log tail`,
      };
    case 'STOP':
      return {
        type: 'deployment.finished',
        deploymentId,
        status: 'failed',
        at,
        error: `CodeDeploy deployment ${externalId} of group ${deploymentGroup} was stopped`,
      };
    default:
      return undefined;
  }
}

/** An instance succeeds only once its last lifecycle event (ValidateService) has: that much is certain. */
function instanceEvent(deploymentId: string, input: CodeDeployNotification, at: string): DeployerEvent | undefined {
  const host = input.detail.instanceId;
  if (!host || input.detail.state !== 'SUCCESS') return undefined;
  return { type: 'host.event', deploymentId, host, event: 'ValidateService', status: 'succeeded', at };
}

/**
 * Host events of a deployment from its host results (one per started lifecycle event), e.g. after an
 * instance failed, to record which hook failed and its log tail.
 */
export function hostEvents(deploymentId: string, hosts: readonly HostResult[], at: string): DeployerEvent[] {
  return hosts.flatMap((h) =>
    h.events.map(
      (e): DeployerEvent => ({
        type: 'host.event',
        deploymentId,
        host: h.host,
        event: e.event,
        status: e.status,
        at: e.endedAt ?? e.startedAt ?? at,
        ...(e.tail ? { tail: e.tail } : {}),
      }),
    ),
  );
}
