import type { Deployment } from '../core/deployments';
import type { EnvironmentSummary } from '../core/summaries';
import type { FailedJob } from './failed-jobs';
import type { FleetView } from './fleet-health';
import type { ReleaseView } from './release-views';

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
  /** An app's releases, accepted and rejected, newest first, with where each serves now (of `envs`). */
  releases?(app: string, envs: readonly string[]): Promise<readonly ReleaseView[]>;
}
