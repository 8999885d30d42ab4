import { allInstances, findFleet, type Instance } from '../../core/config';
import type { TarmacConfig } from '../../core/config/schema';
import type { Deployment } from '../../core/deployments';
import type { Lock } from '../../core/locks';
import type { Maintenance } from '../../core/maintenance';
import type { StateStore } from '../../ports';
import { type CurrentRelease, getCurrent } from '../../state/deployments';
import type { FailedJob } from '../../state/failed-jobs';
import type { FleetView } from '../../state/fleet-health';
import type { ReadApi } from '../../state/read-api';
import { stateReadApi } from '../../state/state-read-api';

/** Everything one environment card shows. */
export interface EnvironmentView {
  readonly instance: Instance;
  /** The full record (sha256, git sha, who, trigger), which the read API's summary leaves out. */
  readonly current: CurrentRelease | undefined;
  readonly lock: Lock | undefined;
  readonly maintenance?: Maintenance | undefined;
  /** Oldest first. */
  readonly pending: readonly Deployment[];
  /** Newest first. */
  readonly recent: readonly Deployment[];
}

export interface AppView {
  readonly name: string;
  readonly repo: string;
  readonly fleet: string;
  readonly hosts: readonly string[];
  readonly environments: readonly EnvironmentView[];
}

export interface DashboardView {
  readonly apps: readonly AppView[];
  /** Each configured fleet's holder (stale ones marked). */
  readonly fleets: Readonly<Record<string, FleetView>>;
  /** The jobs the worker gave up on, newest first. */
  readonly failedJobs: readonly FailedJob[];
  readonly now: Date;
}

/** The sources the dashboard reads; all read-only. */
export interface DashboardSources {
  readonly config: TarmacConfig;
  readonly state: StateStore;
  /** @default stateReadApi(state) */
  readonly readApi?: ReadApi | undefined;
}

/** Read every configured environment (in file order) with its current release, lock and deployments. */
export async function loadDashboard(sources: DashboardSources, now: Date): Promise<DashboardView> {
  const read = sources.readApi ?? stateReadApi(sources.state);
  const environments = await Promise.all(
    allInstances(sources.config).map(async (instance): Promise<EnvironmentView> => {
      const [summary, current] = await Promise.all([
        read.environment(instance.app, instance.env),
        getCurrent(sources.state, instance.app, instance.env),
      ]);
      return {
        instance,
        current,
        lock: summary.lock,
        maintenance: summary.maintenance,
        pending: summary.pending,
        recent: summary.recent,
      };
    }),
  );
  const apps = Object.entries(sources.config.apps).map(([name, app]) => ({
    name,
    repo: app.repo,
    fleet: app.fleet,
    hosts: findFleet(sources.config, app.fleet)?.hosts ?? [],
    environments: environments.filter((e) => e.instance.app === name),
  }));
  const fleetNames = Object.keys(sources.config.fleets);
  const [fleetViews, failedJobs] = await Promise.all([
    Promise.all(fleetNames.map((name) => read.fleet?.(name))),
    read.failedJobs?.(10) ?? [],
  ]);
  const fleets = Object.fromEntries(fleetViews.flatMap((v) => (v ? [[v.fleet, v]] : [])));
  return { apps, fleets, failedJobs, now };
}
