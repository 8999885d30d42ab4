import { fleetHosts, instanceOf } from '../core/config';
import { type Deployment, transition } from '../core/deployments';
import { PermanentError } from '../core/errors';
import { type DeploymentPlan, planDeployment } from '../core/plans';
import type { Release } from '../core/releases';
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
  let plan: DeploymentPlan;
  try {
    plan = await planFor(deps, deployment, release);
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

async function planFor(deps: WorkerDeps, deployment: Deployment, release: Release): Promise<DeploymentPlan> {
  const instance = instanceOf(deps.config, deployment.app, deployment.env);
  const hosts = fleetHosts(deps.config, instance.fleet);
  return planDeployment({
    instance,
    hosts,
    release,
    previousReleaseId: deployment.previousReleaseId,
    deploymentId: deployment.id,
    correlationId: deployment.correlationId,
    unreachable: (await deps.unreachableHosts?.(hosts)) ?? [],
    platforms: await hostPlatformsOf(deps, instance.fleet, hosts),
  });
}

/**
 * The hosts after a canary that passed its bake (`canary.passed` from CodeDeploy's canary group): the same
 * bundle through the environment's own group. Once only: a repeated event, or one for a canary that is no
 * longer the deployment's current deployer deployment, changes nothing.
 */
export async function startRest(deps: WorkerDeps, deployment: Deployment, canaryExternalId: string) {
  const skip = (message: string) => ({ outcome: 'skipped' as const, message, deploymentId: deployment.id });
  if (deployment.status !== 'in_progress' || deployment.externalId !== canaryExternalId || !deployment.bundle) {
    return skip(`canary ${canaryExternalId} of ${deployment.id}: already continued or over`);
  }
  const release = await getRelease(deps.state, deployment.app, deployment.sha256);
  if (!release) {
    await fail(deps, deployment, `canary passed, but release ${deployment.releaseId} is no longer recorded`);
    return skip('release gone');
  }
  try {
    const plan = await planFor(deps, deployment, release);
    const { externalId } = await deps.deployer.start({
      plan,
      bundle: deployment.bundle,
      autoRollback: true,
      phase: 'rest',
    });
    await deps.state.put(keys.externalRef(externalId), { deploymentId: deployment.id });
    await updateDeployment(deps.state, deployment.id, (d) => ({ ...d, externalId }));
    deps.logger.info(
      { deploymentId: deployment.id, canary: canaryExternalId, externalId },
      'canary passed: rest started',
    );
    return {
      outcome: 'done' as const,
      message: `canary passed; the rest runs as ${externalId}`,
      deploymentId: deployment.id,
    };
  } catch (error) {
    // The canary hosts keep the new release (healthy through the bake); the others were never touched.
    const reason = error instanceof Error ? error.message : String(error);
    const message = `canary passed, but the rest could not start: ${reason} — the canary hosts serve ${deployment.version}, the others the previous release; deploy again`;
    await fail(deps, deployment, message);
    return skip(message);
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
