import { type CodeDeployClient, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import type { StopOutcome } from '../../ports';
import type { CodeDeployFacts } from './eventbridge';

const RUNNING = new Set(['Created', 'Queued', 'InProgress', 'Baking', 'Ready']);

/**
 * StopDeployment with `autoRollbackEnabled` ("whether instances that have been updated should be rolled back
 * to the previous version of the application revision"). A deployment CodeDeploy already completed
 * (DeploymentAlreadyCompletedException) is asked about: `succeeded`, or `rolling-back` while the automatic
 * rollback it started still runs (that one is left to finish); one CodeDeploy never knew is `not-running`.
 */
export async function stopCodeDeployDeployment(
  client: CodeDeployClient,
  externalId: string,
  describe: (id: string) => Promise<CodeDeployFacts>,
): Promise<StopOutcome> {
  try {
    await client.send(new StopDeploymentCommand({ deploymentId: externalId, autoRollbackEnabled: true }));
    return 'stopping';
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'DeploymentDoesNotExistException') return 'not-running';
    if (name !== 'DeploymentAlreadyCompletedException') throw error;
  }
  const facts = await describe(externalId);
  if (facts.status === 'Succeeded') return 'succeeded';
  if (!facts.rollbackDeploymentId) return 'not-running';
  const rollback = await describe(facts.rollbackDeploymentId);
  return RUNNING.has(rollback.status ?? '') ? 'rolling-back' : 'not-running';
}
