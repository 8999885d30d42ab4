import type { StateStore } from '../ports';
import { deploymentHistory, getCurrent } from '../state/deployments';
import { getLock } from '../state/locks';
import type { ReadApi } from './read-api';

const RECENT = 10;

/** The {@link ReadApi} over the state repositories (functions/state): current release, lock, deployments. */
export function stateReadApi(state: StateStore): ReadApi {
  return {
    async environment(app, env) {
      const [current, lock, history] = await Promise.all([
        getCurrent(state, app, env),
        getLock(state, app, env),
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
        pending: history.filter((d) => d.status === 'pending').reverse(),
        recent: history.filter((d) => d.status !== 'pending').slice(0, RECENT),
      };
    },
    history: (app, env, limit) => deploymentHistory(state, app, env, limit),
  };
}
