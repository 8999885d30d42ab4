import { getDeployment } from '../state/deployments';
import { type FleetSlot, fleetHolder } from '../state/fleets';
import { startNextPending } from './deploy-flow';
import type { WorkerDeps } from './deps';
import { startDeployment } from './start-deployment';

/** The deployments holding their fleets now: at start, those a dead worker was running. */
export async function fleetHolders(deps: Pick<WorkerDeps, 'config' | 'state'>): Promise<FleetSlot[]> {
  const holders = await Promise.all(Object.keys(deps.config.fleets).map((fleet) => fleetHolder(deps.state, fleet)));
  return holders.filter((h): h is FleetSlot => h !== undefined);
}

/**
 * Local mode, at start: the in-process deployer died with the previous worker, so a deployment it was running
 * (`interrupted`, taken before this process started working) that still holds its fleet is run again from its
 * recorded plan and bundle (the hooks are safe to run twice) and ends healthy or rolled back. Deployments this
 * process started since are left alone. Then anything that waited for a free fleet starts.
 */
export async function recoverInterrupted(
  deps: WorkerDeps,
  interrupted: readonly FleetSlot[],
  runningHere: (deploymentId: string) => boolean = () => false,
): Promise<string[]> {
  const resumed: string[] = [];
  for (const fleet of Object.keys(deps.config.fleets)) {
    const holder = await fleetHolder(deps.state, fleet);
    if (holder) {
      // Started by this process since (a redelivered request resumed it already): not interrupted any more.
      if (!interrupted.some((slot) => slot.deploymentId === holder.deploymentId)) continue;
      if (runningHere(holder.deploymentId)) continue;
      const deployment = await getDeployment(deps.state, holder.deploymentId);
      if (deployment && (deployment.status === 'in_progress' || deployment.status === 'pending')) {
        deps.logger.warn(
          { event: 'deployment.resume', deploymentId: deployment.id, correlationId: deployment.correlationId },
          'resuming interrupted deployment',
        );
        const resumedNow = await startDeployment(deps, deployment.id, { restart: true });
        resumed.push(deployment.id);
        // One that fails to start again has freed its fleet: the next waiting deploy starts below.
        if (resumedNow.status !== 'failed') continue;
      }
    }
    await startNextPending(deps, fleet);
  }
  return resumed;
}
