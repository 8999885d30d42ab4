import { isCanaryGroup } from '../../core/canary';
import type { HostResult } from '../../core/deployments';
import type { DeployerEvent } from '../../ports';
import { rollbackNotification, withRollbackMessage } from './codedeploy-rollbacks';

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

/** What GetDeployment says about a deployment's origin (`creator`) and rollback (`rollbackInfo`). */
export interface CodeDeployFacts {
  readonly status?: string;
  /** `user`, `autoscaling`, `codeDeployRollback` (a rollback process created it), `CodeDeployAutoUpdate`. */
  readonly creator?: string;
  /** On a deployment that failed or was stopped: the rollback deployment CodeDeploy started for it. */
  readonly rollbackDeploymentId?: string;
  /** On a rollback deployment: the deployment whose failure triggered it. */
  readonly rollbackTriggeringDeploymentId?: string;
  readonly rollbackMessage?: string;
}

/** How the mapping learns about deployments: tarmac's own records, and CodeDeploy (GetDeployment). */
export interface CodeDeployLookup {
  readonly resolve: ResolveDeploymentId;
  readonly describe: (externalId: string) => Promise<CodeDeployFacts>;
}

/** What one notification means for one tarmac deployment. */
export interface MappedNotification {
  readonly deploymentId: string;
  /** Events to apply, in order (none when the notification changes nothing tarmac records). */
  readonly events: DeployerEvent[];
  /** A CodeDeploy deployment whose per-host results (failing hook, log tail) should be recorded first. */
  readonly hostResultsOf?: string;
}

/**
 * Map a CodeDeploy notification to what the worker records. Undefined for what tarmac does not track: other
 * sources, deployments of others, READY (blue/green), instance START/FAILURE (the failing lifecycle event
 * is not in the notification: `hostResultsOf` fetches it), and instance events of rollback deployments.
 *
 * CodeDeploy rolls a failed deployment back by creating a new deployment (creator `codeDeployRollback`) of
 * the last good revision. So a failure whose `rollbackInfo` names a rollback deployment does not end tarmac's
 * deployment (its fleet stays busy); the rollback deployment's own end does: `rolled_back` when it succeeds,
 * `failed` when it does not.
 *
 * @example
 *   const mapped = await mapCodeDeployEvent(input, { resolve, describe: (id) => deployer.describe(id) });
 */
export async function mapCodeDeployEvent(
  input: CodeDeployNotification,
  lookup: CodeDeployLookup,
): Promise<MappedNotification | undefined> {
  if (input.source !== 'aws.codedeploy') return undefined;
  const { detail } = input;
  const kind = input['detail-type'];
  if (kind !== DEPLOYMENT_STATE_CHANGE && kind !== INSTANCE_STATE_CHANGE) return undefined;
  const at = new Date(input.time).toISOString();
  const deploymentId = await lookup.resolve(detail.deploymentId);
  if (deploymentId === undefined) {
    return kind === DEPLOYMENT_STATE_CHANGE ? rollbackNotification(input, lookup, at) : undefined;
  }
  if (kind === INSTANCE_STATE_CHANGE) {
    const event = instanceEvent(deploymentId, input, at);
    return event ? { deploymentId, events: [event] } : undefined;
  }
  const event = deploymentEvent(deploymentId, input, at);
  if (!event) return undefined;
  // A canary's CodeDeploy deployment (bake included) succeeded: not the end of tarmac's deployment, the rest follows.
  if (event.type === 'deployment.finished' && event.status === 'succeeded' && isCanaryGroup(detail.deploymentGroup)) {
    return { deploymentId, events: [{ type: 'canary.passed', deploymentId, externalId: detail.deploymentId, at }] };
  }
  if (event.type !== 'deployment.finished' || event.status === 'succeeded') return { deploymentId, events: [event] };
  const facts = await lookup.describe(detail.deploymentId);
  // CodeDeploy is rolling back: the rollback deployment's end finishes tarmac's deployment.
  const events = facts.rollbackDeploymentId ? [] : [withRollbackMessage(event, facts)];
  return { deploymentId, events, hostResultsOf: detail.deploymentId };
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
