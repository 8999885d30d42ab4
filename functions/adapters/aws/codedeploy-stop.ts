import { type CodeDeployClient, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import type { StopOutcome } from '../../ports';
import type { CodeDeployFacts } from './eventbridge';

const RUNNING = new Set(['Created', 'Queued', 'InProgress', 'Baking', 'Ready']);

/**
 * StopDeployment, with `autoRollbackEnabled` unless `rollback` is false ("whether instances that have been updated should be rolled back
 * to the previous version of the application revision"). A deployment CodeDeploy already completed
 * (DeploymentAlreadyCompletedException) is asked about: `succeeded`, or `rolling-back` while the automatic
 * rollback it started still runs (that one is left to finish); one CodeDeploy never knew is `not-running`.
 */
export async function stopCodeDeployDeployment(
  client: CodeDeployClient,
  externalId: string,
  describe: (id: string) => Promise<CodeDeployFacts>,
  rollback = true,
): Promise<StopOutcome> {
  try {
    await client.send(new StopDeploymentCommand({ deploymentId: externalId, autoRollbackEnabled: rollback }));
    return 'stopping';
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'DeploymentDoesNotExistException') return 'not-running';
    if (name !== 'DeploymentAlreadyCompletedException') throw error;
  }
  const facts = await describe(externalId);
  if (facts.status === 'Succeeded') return 'succeeded';
  if (!facts.rollbackDeploymentId) return 'not-running';
  const rollingBack = await describe(facts.rollbackDeploymentId);
  return RUNNING.has(rollingBack.status ?? '') ? 'rolling-back' : 'not-running';
}
