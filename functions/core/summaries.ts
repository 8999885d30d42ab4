import type { Deployment } from './deployments';
import type { DurationEstimate } from './estimate';
import type { Lock } from './locks';
import type { Maintenance } from './maintenance';

/** What an environment runs now, as the read API shows it (the state record holds more). */
export interface ServingRelease {
  readonly releaseId: string;
  readonly version: string;
  readonly deploymentId: string;
  /** ISO time the deployment that made it current succeeded. */
  readonly at: string;
}

/** One environment at a glance: what it serves, its lock, what waits and what ran. */
export interface EnvironmentSummary {
  readonly app: string;
  readonly env: string;
  readonly current?: ServingRelease | undefined;
  readonly lock?: Lock | undefined;
  /** The last maintenance switch (on: nginx answers 503 for this instance). */
  readonly maintenance?: Maintenance | undefined;
  /** Deployments queued behind the running one, oldest first. */
  readonly pending: readonly Deployment[];
  /** Newest first. */
  readonly recent: readonly Deployment[];
  /** How long a deployment here usually takes (p90 of the last successful ones); absent before the first. */
  readonly estimate?: DurationEstimate | undefined;
}
