/**
 * Lambda entry for CodeDeploy state changes (EventBridge rule): a composition root. Each notification of a
 * deployment tarmac made becomes a `deployer-event` job on the FIFO job queue, in its fleet's group, so the
 * worker applies it in order with the rest of that fleet's work. A failed deployment's per-host lifecycle
 * results (and log tails) are fetched from CodeDeploy and sent along.
 */
import { openAwsAdapters } from '../adapters/aws';
import { type CodeDeployNotification, hostEvents, mapCodeDeployEvent } from '../adapters/aws/eventbridge';
import { createLogger } from '../log';
import type { DeployerEvent } from '../ports';
import { deploymentIdOfExternal } from '../state/deployments';
import { deployerEventKey, enqueueDeployerEvent } from '../worker/deployer-events';

const aws = openAwsAdapters(process.env);
const logger = createLogger({ name: 'tarmac-deploy-events', destination: process.stdout });

const enqueue = (event: DeployerEvent, source: string) =>
  enqueueDeployerEvent(aws, event, deployerEventKey(`cd-${source}`, event));

export async function handler(input: CodeDeployNotification & { id: string }): Promise<void> {
  const event = await mapCodeDeployEvent(input, (externalId) => deploymentIdOfExternal(aws.state, externalId));
  if (!event) return;
  logger.info({ event: 'codedeploy.event', deploymentId: event.deploymentId, type: event.type }, input['detail-type']);
  if (event.type === 'deployment.finished' && event.status !== 'succeeded') {
    const hosts = await aws.deployer.hostResults(input.detail.deploymentId);
    for (const hostEvent of hostEvents(event.deploymentId, hosts, event.at)) await enqueue(hostEvent, input.id);
  }
  await enqueue(event, input.id);
}
