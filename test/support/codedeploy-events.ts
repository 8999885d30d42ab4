import { randomUUID } from 'node:crypto';
import type { Instance } from './codedeploy-agent';
import type { DeploymentRecord, ServiceContext } from './codedeploy-runs';

/** One EventBridge notification as CodeDeploy publishes it (test/fixtures/aws/*.json), delivered with retries. */
export async function publish(
  ctx: ServiceContext,
  record: DeploymentRecord,
  kind: string,
  state: string,
  instance?: Instance,
): Promise<void> {
  const region = ctx.moto.clientConfig.region;
  const event = {
    account: '123456789012',
    region,
    'detail-type': kind,
    source: 'aws.codedeploy',
    version: '0',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    id: randomUUID(),
    resources: [
      `arn:aws:codedeploy:${region}:123456789012:application:${record.applicationName}`,
      `arn:aws:codedeploy:${region}:123456789012:deploymentgroup:${record.applicationName}/${record.deploymentGroupName}`,
    ],
    detail: {
      ...(instance ? { instanceId: instance.instanceId } : {}),
      region,
      state,
      application: record.applicationName,
      deploymentId: record.deploymentId,
      instanceGroupId: randomUUID(),
      deploymentGroup: record.deploymentGroupName,
    },
  };
  // EventBridge retries a failed delivery (the rule has retryAttempts 8); three tries are plenty here.
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.notify(event);
    } catch (error) {
      if (attempt >= 3) throw new Error(`deploy-events failed on ${kind} ${state}: ${String(error)}`);
    }
  }
}
