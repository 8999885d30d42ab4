import type { Deployment } from '../core/deployments';
import type { Maintenance } from '../core/maintenance';
import type { DeploymentPlan } from '../core/plans';
import type { EnvironmentSummary } from '../core/summaries';
import type { AccessRecord } from './access';
import type { FailedJob } from './failed-jobs';
import type { FleetView } from './fleet-health';
import type { ReleaseView } from './release-views';

/** What a deploy would do (`tarmac plan`): the plan, what serves now, and the instance's names. */
export interface PlanView {
  readonly plan: DeploymentPlan;
  readonly current?: { readonly version: string } | undefined;
  readonly instance: { readonly unit: string; readonly port: number; readonly systemUser: string };
}

/** An environment's audited operator activity besides deployments, newest first. */
export interface EnvironmentActivity {
  readonly access: readonly AccessRecord[];
  readonly maintenance: readonly Maintenance[];
}

/**
 * The read side the HTTP edge needs (JSON API, Slack `status`/`history`). Implemented over the state
 * repositories in functions/state; injected so the edge never reaches into state layout itself.
 */
export interface ReadApi {
  environment(app: string, env: string): Promise<EnvironmentSummary>;
  /** Deployments of one environment, newest first. */
  history(app: string, env: string, limit: number): Promise<readonly Deployment[]>;
  /** What `history` lists between the deployments: operator sessions (eval, console) and maintenance switches. */
  activity?(app: string, env: string, limit: number): Promise<EnvironmentActivity>;
  /** Which deployment holds a fleet, since when, and whether that hold is stale. */
  fleet?(name: string): Promise<FleetView>;
  /** Jobs the worker gave up on (never retried, or out of attempts), newest first. */
  failedJobs?(limit: number): Promise<readonly FailedJob[]>;
  /** An app's releases, accepted and rejected, newest first, with where each serves now (of `envs`). */
  releases?(app: string, envs: readonly string[]): Promise<readonly ReleaseView[]>;
  /** What a deploy of `ref` (default: newest accepted release) would do. */
  plan?(app: string, env: string, ref?: string): Promise<PlanView>;
  /** A deployment by id (`--wait` over the API follows it). */
  deployment?(id: string): Promise<Deployment | undefined>;
  /** A queued job's record by idempotency key: in progress, or done with its result. */
  job?(idempotencyKey: string): Promise<{ status: string; result?: unknown } | undefined>;
}
