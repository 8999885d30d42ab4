import type { DeployerEvent } from '../../ports';
import type { CodeDeployFacts, CodeDeployLookup, CodeDeployNotification, MappedNotification } from './eventbridge';

/** GetDeployment's `creator` of a deployment that "a rollback process created". */
export const ROLLBACK_CREATOR = 'codeDeployRollback';

/**
 * A deployment state change of a deployment tarmac did not create: when it is CodeDeploy's automatic
 * rollback of one tarmac did create (`rollbackInfo.rollbackTriggeringDeploymentId`), its end is the end of
 * tarmac's deployment. Its START changes nothing (the fleet is already held); its instance events are not
 * recorded (they would overwrite the failed deployment's host results with the rollback's).
 */
export async function rollbackNotification(
  input: CodeDeployNotification,
  lookup: CodeDeployLookup,
  at: string,
): Promise<MappedNotification | undefined> {
  const { deploymentId: rollbackId, state, deploymentGroup } = input.detail;
  const facts = await lookup.describe(rollbackId);
  const triggeredBy = facts.rollbackTriggeringDeploymentId;
  if (!triggeredBy) return undefined;
  const deploymentId = await lookup.resolve(triggeredBy);
  if (deploymentId === undefined) return undefined;
  // A deployment stopped with rollback (`tarmac abort`: StopDeployment) ends Stopped, not Failed.
  const stopped = state !== 'START' && (await lookup.describe(triggeredBy)).status === 'Stopped';
  const failed = `CodeDeploy deployment ${triggeredBy} of group ${deploymentGroup} ${stopped ? 'was stopped' : 'failed'}`;
  switch (state) {
    case 'SUCCESS':
      return {
        deploymentId,
        events: [
          {
            type: 'deployment.finished',
            deploymentId,
            status: 'rolled_back',
            at,
            error: `${failed}; CodeDeploy's automatic rollback ${rollbackId} restored the last good revision — see the host results for the failing hook and its log tail`,
          },
        ],
      };
    case 'FAILURE':
    case 'STOP':
      return {
        deploymentId,
        events: [
          {
            type: 'deployment.finished',
            deploymentId,
            status: 'failed',
            at,
            error: `${failed}, and CodeDeploy's automatic rollback ${rollbackId} ${state === 'STOP' ? 'was stopped' : 'failed too'} — hosts may not serve the last good release; deploy it again`,
          },
        ],
      };
    default:
      return { deploymentId, events: [] };
  }
}

/** A failure CodeDeploy did not roll back: say why, in CodeDeploy's words (e.g. no earlier good revision). */
export function withRollbackMessage(event: DeployerEvent, facts: CodeDeployFacts): DeployerEvent {
  if (event.type !== 'deployment.finished' || !facts.rollbackMessage) return event;
  return { ...event, error: `${event.error ?? ''} (CodeDeploy: ${facts.rollbackMessage})`.trim() };
}
