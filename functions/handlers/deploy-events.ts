/**
 * Lambda entry for CodeDeploy state changes (EventBridge rule): a composition root. Each notification of a
 * deployment tarmac made — or of CodeDeploy's automatic rollback of one — becomes `deployer-event` jobs on
 * the FIFO job queue, in its fleet's group, so the worker applies them in order with the rest of that
 * fleet's work. A failed deployment's per-host lifecycle results (and log tails) are fetched from CodeDeploy
 * and sent first.
 */
import { openAwsAdapters } from '../adapters/aws';
import { type CodeDeployNotification, hostEvents, mapCodeDeployEvent } from '../adapters/aws/eventbridge';
import { createLogger } from '../log';
import type { DeployerEvent } from '../ports';
import { deploymentIdOfExternal } from '../state/deployments';
import { deployerEventKey, enqueueDeployerEvent } from '../worker/queue-deployer-event';

const aws = openAwsAdapters(process.env);
const logger = createLogger({ name: 'tarmac-deploy-events', destination: process.stdout });

const enqueue = (event: DeployerEvent, source: string) =>
  enqueueDeployerEvent(aws, event, deployerEventKey(`cd-${source}`, event));

export async function handler(input: CodeDeployNotification & { id: string }): Promise<void> {
  const mapped = await mapCodeDeployEvent(input, {
    resolve: (externalId) => deploymentIdOfExternal(aws.state, externalId),
    describe: (externalId) => aws.deployer.describe(externalId),
  });
  if (!mapped) return;
  logger.info(
    {
      event: 'codedeploy.event',
      deploymentId: mapped.deploymentId,
      externalId: input.detail.deploymentId,
      state: input.detail.state,
      mapped: mapped.events.map((e) => ('status' in e ? `${e.type}:${e.status}` : e.type)),
    },
    input['detail-type'],
  );
  if (mapped.hostResultsOf) {
    const hosts = await aws.deployer.hostResults(mapped.hostResultsOf);
    const at = new Date(input.time).toISOString();
    for (const hostEvent of hostEvents(mapped.deploymentId, hosts, at)) await enqueue(hostEvent, input.id);
  }
  for (const event of mapped.events) await enqueue(event, input.id);
}
