import type { Deployment } from '../core/deployments';
import { ConcurrentChangeError, PermanentError } from '../core/errors';
import type { StateStore } from '../ports';
import { keys } from './keys';

/** The release an environment is serving, set when a deployment succeeds. */
export interface CurrentRelease {
  readonly releaseId: string;
  readonly version: string;
  readonly sha256: string;
  readonly gitSha?: string | undefined;
  readonly deploymentId: string;
  readonly at: string;
  readonly by: string;
  readonly trigger: string;
}

export class DeploymentNotFoundError extends PermanentError {
  constructor(id: string) {
    super(`no deployment ${id}`, { id });
    this.name = 'DeploymentNotFoundError';
  }
}

/** Create a deployment (create-only, so a retried job cannot create a second one). False when it exists. */
export async function createDeployment(state: StateStore, deployment: Deployment): Promise<boolean> {
  try {
    await state.put(keys.deployment(deployment.app, deployment.env, deployment.id), deployment, {
      expectedVersion: null,
    });
  } catch (error) {
    if (error instanceof ConcurrentChangeError) return false;
    throw error;
  }
  await state.put(keys.deploymentRef(deployment.id), { app: deployment.app, env: deployment.env });
  return true;
}

export async function getDeployment(state: StateStore, id: string): Promise<Deployment | undefined> {
  const ref = await state.get<{ app: string; env: string }>(keys.deploymentRef(id));
  if (!ref) return undefined;
  return (await state.get<Deployment>(keys.deployment(ref.value.app, ref.value.env, id)))?.value;
}

/**
 * Read-modify-write with compare-and-set, retried on concurrent changes (host events of one deployment can
 * arrive from several hosts at once). `change` must be pure.
 */
export async function updateDeployment(
  state: StateStore,
  id: string,
  change: (deployment: Deployment) => Deployment,
): Promise<Deployment> {
  const ref = await state.get<{ app: string; env: string }>(keys.deploymentRef(id));
  if (!ref) throw new DeploymentNotFoundError(id);
  const key = keys.deployment(ref.value.app, ref.value.env, id);
  for (let attempt = 0; ; attempt++) {
    const item = await state.get<Deployment>(key);
    if (!item) throw new DeploymentNotFoundError(id);
    const next = change(item.value);
    if (next === item.value) return next;
    try {
      await state.put(key, next, { expectedVersion: item.version });
      return next;
    } catch (error) {
      if (!(error instanceof ConcurrentChangeError) || attempt >= 20) throw error;
    }
  }
}

/**
 * How many deployments past `limit` are read to order by time. Ids are ULIDs, time-ordered per generator,
 * so id order differs from time order only where generators' clocks differ (two worker Lambdas, a CLI and a
 * server): by a few, never by this many.
 */
const ORDER_SLACK = 20;

/**
 * Newest first by when each was requested (`createdAt`; the id breaks ties), in both stores: the sort key
 * is the id, so the newest `limit + ORDER_SLACK` by id are read and ordered by time.
 */
export async function deploymentHistory(
  state: StateStore,
  app: string,
  env: string,
  limit = 20,
): Promise<Deployment[]> {
  const { pk, prefix } = keys.deploymentsOf(app, env);
  const items = await state.query<Deployment>(pk, { prefix, limit: limit + ORDER_SLACK, descending: true });
  return items
    .map((i) => i.value)
    .sort((a, b) => newerFirst(a.createdAt, b.createdAt) || newerFirst(a.id, b.id))
    .slice(0, limit);
}

/** ISO 8601 UTC times (and ULIDs) order as plain strings. */
const newerFirst = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

export async function getCurrent(state: StateStore, app: string, env: string): Promise<CurrentRelease | undefined> {
  return (await state.get<CurrentRelease>(keys.current(app, env)))?.value;
}

export async function setCurrent(state: StateStore, app: string, env: string, current: CurrentRelease): Promise<void> {
  await state.put(keys.current(app, env), current);
}

/** The newest succeeded deployment serving a release other than `exceptReleaseId` (the rollback target). */
export async function previousSuccess(
  state: StateStore,
  app: string,
  env: string,
  exceptReleaseId: string | undefined,
): Promise<Deployment | undefined> {
  const history = await deploymentHistory(state, app, env, 100);
  return history.find((d) => d.status === 'succeeded' && d.releaseId !== exceptReleaseId);
}

/** The tarmac deployment a deployer id (a CodeDeploy deployment id) belongs to. */
export async function deploymentIdOfExternal(state: StateStore, externalId: string): Promise<string | undefined> {
  return (await state.get<{ deploymentId: string }>(keys.externalRef(externalId)))?.value.deploymentId;
}
