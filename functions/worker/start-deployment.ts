import { fleetHosts, instanceOf } from '../core/config';
import { type Deployment, transition } from '../core/deployments';
import { PermanentError } from '../core/errors';
import { type DeploymentPlan, planDeployment } from '../core/plans';
import { DeploymentNotFoundError, getDeployment, updateDeployment } from '../state/deployments';
import { releaseFleet } from '../state/fleets';
import { keys } from '../state/keys';
import { getRelease } from '../state/releases';
import { crashPoint } from './crash-points';
import type { WorkerDeps } from './deps';
import { packPlanBundle } from './pack';
import { hostPlatformsOf } from './platforms';

/**
 * Plan → bundle → deployer for a deployment that holds its fleet. Resumable: a bundle already rendered is
 * reused, and a deployment the deployer already accepted is left alone unless `restart` (local recovery after
 * a crash, when the in-process deployer died with the worker; the hooks are safe to run twice).
 */
export async function startDeployment(deps: WorkerDeps, deploymentId: string, options: { restart?: boolean } = {}) {
  const log = deps.logger.child({ deploymentId });
  const deployment = await getDeployment(deps.state, deploymentId);
  if (!deployment) throw new DeploymentNotFoundError(deploymentId);
  if (
    deployment.status !== 'pending' &&
    !(deployment.status === 'in_progress' && (options.restart || !deployment.externalId))
  ) {
    return deployment;
  }
  const release = await getRelease(deps.state, deployment.app, deployment.sha256);
  if (!release) return fail(deps, deployment, `release ${deployment.releaseId} is no longer recorded`);
  const instance = instanceOf(deps.config, deployment.app, deployment.env);
  const hosts = fleetHosts(deps.config, instance.fleet);
  let plan: DeploymentPlan;
  try {
    plan = planDeployment({
      instance,
      hosts,
      release,
      previousReleaseId: deployment.previousReleaseId,
      deploymentId,
      correlationId: deployment.correlationId,
      unreachable: (await deps.unreachableHosts?.(hosts)) ?? [],
      platforms: await hostPlatformsOf(deps, instance.fleet, hosts),
    });
  } catch (error) {
    // A plan that can never be made (no hosts in the fleet, too many of them down, hosts that cannot run the
    // release) fails the deployment with its reason, so its fleet is freed; no hook has run.
    if (!(error instanceof PermanentError)) throw error;
    log.warn({ event: 'deployment.refused', error: error.message }, 'deployment refused');
    return fail(deps, deployment, error.message);
  }
  const bundle =
    deployment.bundle ??
    (await deps.artifacts.put((deps.packBundle ?? packPlanBundle)({ instance, plan, target: deps.target })));
  crashPoint('after-bundle');
  await updateDeployment(deps.state, deploymentId, (d) =>
    transition(d, 'in_progress', deps.clock.now(), { bundle: { key: bundle.key, sha256: bundle.sha256 } }),
  );
  log.info({ event: 'deployment.start', bundle: bundle.key, batches: plan.batches }, 'starting deployer');
  try {
    const { externalId } = await deps.deployer.start({ plan, bundle, autoRollback: true });
    crashPoint('after-deployer-start');
    await deps.state.put(keys.externalRef(externalId), { deploymentId });
    return await updateDeployment(deps.state, deploymentId, (d) => ({ ...d, externalId }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error({ event: 'deployment.start_failed', error: message }, 'deployer refused the deployment');
    return fail(deps, { ...deployment, status: 'in_progress' }, `deployer: ${message}`);
  }
}

async function fail(deps: WorkerDeps, deployment: Deployment, error: string): Promise<Deployment> {
  const failed = await updateDeployment(deps.state, deployment.id, (d) =>
    transition(d, 'failed', deps.clock.now(), { error }),
  );
  // The caller starts the next waiting deploy (deploy-flow.ts startNextPending): no recursion from here.
  await releaseFleet(deps.state, deployment.fleet, deployment.id);
  return failed;
}
