import { InvalidTransitionError } from './errors';

export type DeploymentStatus = 'pending' | 'in_progress' | 'succeeded' | 'failed' | 'rolled_back';
export type HostStatus = 'pending' | 'in_progress' | 'succeeded' | 'failed' | 'skipped';
export type LifecycleEvent =
  | 'ApplicationStop'
  | 'BeforeInstall'
  | 'AfterInstall'
  | 'ApplicationStart'
  | 'ValidateService';
export const LIFECYCLE_EVENTS: readonly LifecycleEvent[] = [
  'ApplicationStop',
  'BeforeInstall',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
];

/** Who started a deployment: the local CLI, the write API (`--server`, a deploy token), Slack, GitHub, CI, … */
export type Trigger = 'cli' | 'api' | 'slack' | 'push' | 'build' | 'promote' | 'rollback' | 'auto-rollback';

export interface HookResult {
  readonly event: LifecycleEvent;
  readonly status: 'in_progress' | 'succeeded' | 'failed' | 'skipped';
  readonly startedAt?: string;
  readonly endedAt?: string;
  /** Last lines of the hook's output (never contains secret values: hooks do not print them). */
  readonly tail?: string;
}

export interface HostResult {
  readonly host: string;
  readonly status: HostStatus;
  readonly events: readonly HookResult[];
}

export interface Deployment {
  readonly id: string;
  readonly app: string;
  readonly env: string;
  readonly fleet: string;
  readonly releaseId: string;
  readonly version: string;
  readonly sha256: string;
  /** Git commit the release was built from, when known. */
  readonly gitSha?: string | undefined;
  readonly status: DeploymentStatus;
  readonly trigger: Trigger;
  readonly requestedBy: string;
  readonly correlationId: string;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly hosts: readonly HostResult[];
  /** Deployer's own id (CodeDeploy deployment id, or the local deployer's). */
  readonly externalId?: string;
  readonly error?: string;
  /** The deployment this one rolled back to, or was rolled back by. */
  readonly rollbackOf?: string;
  /** Release serving when this deployment was planned: the rollback target. */
  readonly previousReleaseId?: string | undefined;
  /** The rendered bundle (artifact store key and sha256), once rendered. */
  readonly bundle?: { readonly key: string; readonly sha256: string };
  /** Set when an operator aborted it (`tarmac abort`): who, why, when. */
  readonly aborted?: { readonly by: string; readonly reason?: string | undefined; readonly at: string } | undefined;
  /** Where to report progress (Slack response_url). */
  readonly replyTo?: { readonly slackResponseUrl?: string | undefined } | undefined;
}

const ALLOWED: Record<DeploymentStatus, readonly DeploymentStatus[]> = {
  pending: ['in_progress', 'failed'],
  in_progress: ['succeeded', 'failed', 'rolled_back'],
  succeeded: [],
  failed: ['rolled_back'],
  rolled_back: [],
};

export function isFinished(status: DeploymentStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'rolled_back';
}

/** Move a deployment to `to`, or throw {@link InvalidTransitionError}. Re-entering the same state is a no-op. */
export function transition(
  deployment: Deployment,
  to: DeploymentStatus,
  at: Date,
  extra: Partial<Pick<Deployment, 'error' | 'externalId' | 'rollbackOf' | 'bundle'>> = {},
): Deployment {
  if (deployment.status === to) return { ...deployment, ...extra };
  if (!ALLOWED[deployment.status].includes(to)) {
    throw new InvalidTransitionError(`deployment ${deployment.id}`, deployment.status, to);
  }
  const stamp = at.toISOString();
  return {
    ...deployment,
    ...extra,
    status: to,
    ...(to === 'in_progress' ? { startedAt: stamp } : {}),
    ...(isFinished(to) ? { endedAt: stamp } : {}),
  };
}

/** Record the progress of one lifecycle event on one host. */
export function recordHook(deployment: Deployment, host: string, result: HookResult): Deployment {
  const existing = deployment.hosts.find((h) => h.host === host) ?? { host, status: 'pending', events: [] };
  const events = [...existing.events.filter((e) => e.event !== result.event), result];
  const status: HostStatus =
    result.status === 'failed'
      ? 'failed'
      : result.event === 'ValidateService' && result.status === 'succeeded'
        ? 'succeeded'
        : 'in_progress';
  const updated: HostResult = { host, status, events };
  const hosts = deployment.hosts.some((h) => h.host === host)
    ? deployment.hosts.map((h) => (h.host === host ? updated : h))
    : [...deployment.hosts, updated];
  return { ...deployment, hosts };
}
