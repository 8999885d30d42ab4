/**
 * Lambda entry for CodeDeploy state changes (EventBridge rule): a composition root. Each notification of a
 * deployment tarmac made becomes a `deployer-event` job on the FIFO job queue, in its fleet's group, so the
 * worker applies it in order with the rest of that fleet's work. A failed deployment's per-host lifecycle
 * results (and log tails) are fetched from CodeDeploy and sent along.
 */
import { openAwsAdapters } from '../adapters/aws';
import { type CodeDeployNotification, hostEvents, mapCodeDeployEvent } from '../adapters/aws/eventbridge';
import { jobGroup } from '../core/jobs';
import { createLogger } from '../log';
import type { DeployerEvent } from '../ports';
import { deploymentIdOfExternal, getDeployment } from '../state/deployments';

const aws = openAwsAdapters(process.env);
const logger = createLogger({ name: 'tarmac-deploy-events', destination: process.stdout });

async function enqueue(event: DeployerEvent, source: string): Promise<void> {
  const deployment = await getDeployment(aws.state, event.deploymentId);
  if (!deployment) return;
  const key = `cd-${source}-${event.type}-${'host' in event ? `${event.host}-${event.event}` : ''}`.slice(0, 128);
  await aws.queue.send({
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
}

export async function handler(input: CodeDeployNotification & { id: string }): Promise<void> {
  const event = await mapCodeDeployEvent(input, (externalId) => deploymentIdOfExternal(aws.state, externalId));
  if (!event) return;
  logger.info({ event: 'codedeploy.event', deploymentId: event.deploymentId, type: event.type }, input['detail-type']);
  if (event.type === 'deployment.finished' && event.status !== 'succeeded') {
    const hosts = await aws.deployer.hostResults(input.detail.deploymentId);
    for (const hostEvent of hostEvents(event.deploymentId, hosts, event.at))
      await enqueue(hostEvent, `${input.id}-${hostEvent.type}`);
  }
  await enqueue(event, input.id);
}
