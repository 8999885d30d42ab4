import type { Deployment } from '../core/deployments';
import type { Lock } from '../core/locks';
import type { FailedJob } from '../state/failed-jobs';
import type { FleetView } from '../state/fleet-health';

/** What an environment runs now. */
export interface CurrentRelease {
  readonly releaseId: string;
  readonly version: string;
  readonly deploymentId: string;
  /** ISO time the deployment that made it current succeeded. */
  readonly at: string;
}

export interface EnvironmentSummary {
  readonly app: string;
  readonly env: string;
  readonly current?: CurrentRelease | undefined;
  readonly lock?: Lock | undefined;
  /** Deployments queued behind the running one, oldest first. */
  readonly pending: readonly Deployment[];
  /** Newest first. */
  readonly recent: readonly Deployment[];
}

/**
 * The read side the HTTP edge needs (JSON API, Slack `status`/`history`). Implemented over the state
 * repositories in functions/state; injected so the edge never reaches into state layout itself.
 */
export interface ReadApi {
  environment(app: string, env: string): Promise<EnvironmentSummary>;
  /** Deployments of one environment, newest first. */
  history(app: string, env: string, limit: number): Promise<readonly Deployment[]>;
  /** Which deployment holds a fleet, since when, and whether that hold is stale. */
  fleet?(name: string): Promise<FleetView>;
  /** Jobs the worker gave up on (never retried, or out of attempts), newest first. */
  failedJobs?(limit: number): Promise<readonly FailedJob[]>;
}
