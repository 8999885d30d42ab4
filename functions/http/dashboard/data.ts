import { allInstances, findFleet, type Instance } from '../../core/config';
import type { TarmacConfig } from '../../core/config/schema';
import type { Deployment } from '../../core/deployments';
import type { DurationEstimate } from '../../core/estimate';
import type { Lock } from '../../core/locks';
import type { Maintenance } from '../../core/maintenance';
import type { StateStore } from '../../ports';
import { type CurrentRelease, getCurrent } from '../../state/deployments';
import type { FailedJob } from '../../state/failed-jobs';
import type { FleetView } from '../../state/fleet-health';
import type { ReadApi } from '../../state/read-api';
import type { ReleaseView } from '../../state/release-views';
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
  /** How long a deployment here usually takes (p90), for the progress of a running one. */
  readonly estimate?: DurationEstimate | undefined;
}

export interface AppView {
  readonly name: string;
  readonly repo: string;
  readonly fleet: string;
  readonly hosts: readonly string[];
  readonly environments: readonly EnvironmentView[];
  /** Newest first, accepted and rejected, with where each serves. */
  readonly releases: readonly ReleaseView[];
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
      const { lock, pending, recent, estimate } = summary;
      return { instance, current, lock, maintenance: summary.maintenance, pending, recent, estimate };
    }),
  );
  const apps = await Promise.all(
    Object.entries(sources.config.apps).map(async ([name, app]) => ({
      name,
      repo: app.repo,
      fleet: app.fleet,
      hosts: findFleet(sources.config, app.fleet)?.hosts ?? [],
      environments: environments.filter((e) => e.instance.app === name),
      releases: (await read.releases?.(name, Object.keys(app.environments))) ?? [],
    })),
  );
  const fleetNames = Object.keys(sources.config.fleets);
  const [fleetViews, failedJobs] = await Promise.all([
    Promise.all(fleetNames.map((name) => read.fleet?.(name))),
    read.failedJobs?.(10) ?? [],
  ]);
  const fleets = Object.fromEntries(fleetViews.flatMap((v) => (v ? [[v.fleet, v]] : [])));
  return { apps, fleets, failedJobs, now };
}
