import { getDeployment } from '../state/deployments';
import { fleetHolder } from '../state/fleets';
import type { WorkerDeps } from './deps';
import { startDeployment, startNextPending } from './start';

/**
 * Local mode, at start: the in-process deployer died with the previous worker, so a deployment that held its
 * fleet is run again from its recorded plan and bundle (the hooks are safe to run twice) and ends healthy or
 * rolled back. Then anything that waited for a free fleet starts.
 */
export async function recoverInterrupted(deps: WorkerDeps): Promise<string[]> {
  const resumed: string[] = [];
  for (const fleet of Object.keys(deps.config.fleets)) {
    const holder = await fleetHolder(deps.state, fleet);
    if (holder) {
      const deployment = await getDeployment(deps.state, holder.deploymentId);
      if (deployment && (deployment.status === 'in_progress' || deployment.status === 'pending')) {
        deps.logger.warn(
          { event: 'deployment.resume', deploymentId: deployment.id, correlationId: deployment.correlationId },
          'resuming interrupted deployment',
        );
        await startDeployment(deps, deployment.id, { restart: true });
        resumed.push(deployment.id);
        continue;
      }
    }
    await startNextPending(deps, fleet);
  }
  return resumed;
}
