import type { Release } from '../core/releases';
import type { StateStore } from '../ports';
import { getCurrent } from './deployments';
import { listReleases } from './releases';

/** A release as `tarmac releases`, the read API and the dashboard show it: where it serves now. */
export interface ReleaseView extends Release {
  /** Environments whose current release this is. */
  readonly deployedTo: readonly string[];
}

/** Every release of an app (accepted and rejected), newest first, each with the environments it serves now. */
export async function releaseViews(state: StateStore, app: string, envs: readonly string[]): Promise<ReleaseView[]> {
  const [releases, currents] = await Promise.all([
    listReleases(state, app),
    Promise.all(envs.map(async (env) => [env, await getCurrent(state, app, env)] as const)),
  ]);
  return releases.map((release) => ({
    ...release,
    deployedTo: currents
      .filter(([, c]) => c?.releaseId === release.id && release.status === 'accepted')
      .map(([e]) => e),
  }));
}
