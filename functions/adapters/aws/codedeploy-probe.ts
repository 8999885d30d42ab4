import { type CodeDeployClient, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import type { DeploymentProbe } from '../../ports';

const RUNNING = new Set(['Created', 'Queued', 'InProgress', 'Baking', 'Ready']);

/**
 * What CodeDeploy says about one of its deployments (GetDeployment): still running, or ended — Succeeded, or
 * Failed/Stopped (a deployment stopped by hand is `Stopped`) — with its error. A deployment CodeDeploy does
 * not know (`DeploymentDoesNotExistException`) has ended as far as tarmac is concerned: nothing runs it.
 */
export async function probeCodeDeployDeployment(
  client: CodeDeployClient,
  externalId: string,
): Promise<DeploymentProbe> {
  let info: unknown;
  try {
    info = (await client.send(new GetDeploymentCommand({ deploymentId: externalId }))).deploymentInfo;
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'Error';
    if (name === 'DeploymentDoesNotExistException') {
      return { state: 'ended', status: 'failed', detail: `CodeDeploy has no deployment ${externalId}` };
    }
    return { state: 'unknown', detail: `CodeDeploy GetDeployment ${externalId} failed: ${(error as Error).message}` };
  }
  const deployment = info as
    | {
        status?: string;
        errorInformation?: { code?: string; message?: string };
        rollbackInfo?: { rollbackDeploymentId?: string };
      }
    | undefined;
  const status = deployment?.status ?? 'unknown';
  const why = deployment?.errorInformation?.message ? `: ${deployment.errorInformation.message}` : '';
  if (RUNNING.has(status)) return { state: 'running', detail: `CodeDeploy ${externalId} is ${status}` };
  if (status === 'Succeeded')
    return { state: 'ended', status: 'succeeded', detail: `CodeDeploy ${externalId} Succeeded` };
  if (status === 'Failed' || status === 'Stopped') {
    // CodeDeploy's automatic rollback is a deployment of its own: while it runs, the fleet is rightly held.
    const rollback = deployment?.rollbackInfo?.rollbackDeploymentId;
    if (rollback) {
      const after = await probeCodeDeployDeployment(client, rollback);
      const detail = `CodeDeploy ${externalId} ${status}${why}; its automatic rollback: ${after.detail}`;
      return after.state === 'running' || after.state === 'unknown'
        ? { state: after.state, detail }
        : { state: 'ended', status: 'failed', detail };
    }
    return { state: 'ended', status: 'failed', detail: `CodeDeploy ${externalId} ${status}${why}` };
  }
  return { state: 'unknown', detail: `CodeDeploy ${externalId} is in an unknown status "${status}"` };
}
