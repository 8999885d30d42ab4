import { estimateDuration } from '../core/estimate';
import type { Deployer, StateStore } from '../ports';
import { accessHistory } from './access';
import { deploymentHistory, getCurrent, getDeployment } from './deployments';
import { listFailedJobs } from './failed-jobs';
import { inspectFleet } from './fleet-health';
import { jobOutcome } from './jobs';
import { getLock } from './locks';
import { getMaintenance, maintenanceHistory } from './maintenance';
import type { ReadApi } from './read-api';
import { releaseViews } from './release-views';

const RECENT = 10;

/**
 * The {@link ReadApi} over the state repositories (functions/state): current release, lock, deployments,
 * fleets and failed jobs. With a deployer, a fleet's hold is also checked against what the deployer says.
 */
export function stateReadApi(state: StateStore, deployer?: Deployer): ReadApi {
  return {
    async environment(app, env) {
      const [current, lock, maintenance, history] = await Promise.all([
        getCurrent(state, app, env),
        getLock(state, app, env),
        getMaintenance(state, app, env),
        deploymentHistory(state, app, env, 50),
      ]);
      return {
        app,
        env,
        current: current && {
          releaseId: current.releaseId,
          version: current.version,
          deploymentId: current.deploymentId,
          at: current.at,
        },
        lock,
        maintenance,
        pending: history.filter((d) => d.status === 'pending').reverse(),
        recent: history.filter((d) => d.status !== 'pending').slice(0, RECENT),
        estimate: estimateDuration(history),
      };
    },
    history: (app, env, limit) => deploymentHistory(state, app, env, limit),
    async activity(app, env, limit) {
      const [access, maintenance] = await Promise.all([
        accessHistory(state, app, env, limit),
        maintenanceHistory(state, app, env, limit),
      ]);
      return { access, maintenance };
    },
    fleet: (name) => inspectFleet(state, deployer, name),
    failedJobs: (limit) => listFailedJobs(state, limit),
    releases: (app, envs) => releaseViews(state, app, envs),
    deployment: (id) => getDeployment(state, id),
    async job(idempotencyKey) {
      const record = await jobOutcome(state, idempotencyKey);
      return record && { status: record.status, ...(record.result ? { result: record.result } : {}) };
    },
  };
}
