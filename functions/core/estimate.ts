import type { Deployment } from './deployments';

/** How long a deployment of one environment usually takes: the 90th percentile of its last successful ones. */
export interface DurationEstimate {
  /** 90th percentile (nearest rank) of the durations, start to end, in milliseconds. */
  readonly p90Ms: number;
  /** How many deployments it was computed from. */
  readonly samples: number;
}

/** How far along a running deployment is, measured against the estimate. */
export interface DeploymentProgressView {
  readonly elapsedMs: number;
  /** Elapsed ÷ estimate, kept below 1 while it runs (0.99: "almost", never "done" before it is). */
  readonly fraction: number;
  /** Running longer than deployments of this environment usually take. */
  readonly overdue: boolean;
}

/** Deployments the estimate looks at, newest first (as Shipit does, a p90 of the recent ones). */
export const ESTIMATE_WINDOW = 20;

const durationOf = (d: Deployment) =>
  d.startedAt && d.endedAt ? Date.parse(d.endedAt) - Date.parse(d.startedAt) : Number.NaN;

/**
 * The p90 duration of the last {@link ESTIMATE_WINDOW} succeeded deployments in `history` (newest first).
 * Failed and rolled-back ones are left out: they end early or take a rollback's time. Undefined without any.
 */
export function estimateDuration(
  history: readonly Deployment[],
  window = ESTIMATE_WINDOW,
): DurationEstimate | undefined {
  const durations = history
    .filter((d) => d.status === 'succeeded')
    .map(durationOf)
    .filter((ms) => Number.isFinite(ms) && ms >= 0)
    .slice(0, window)
    .sort((a, b) => a - b);
  if (durations.length === 0) return undefined;
  const rank = Math.ceil(0.9 * durations.length) - 1;
  return { p90Ms: durations[rank] as number, samples: durations.length };
}

/** Where a running deployment stands against the estimate; undefined before it started or without an estimate. */
export function progressOf(
  deployment: Pick<Deployment, 'startedAt' | 'status'>,
  estimate: DurationEstimate | undefined,
  now: Date,
): DeploymentProgressView | undefined {
  if (!estimate || !deployment.startedAt || deployment.status !== 'in_progress') return undefined;
  const elapsedMs = Math.max(0, now.getTime() - Date.parse(deployment.startedAt));
  const ratio = estimate.p90Ms > 0 ? elapsedMs / estimate.p90Ms : 1;
  return { elapsedMs, fraction: Math.min(ratio, 0.99), overdue: ratio > 1 };
}

/** `41 s`, `2 min 5 s`, `1 h 3 min`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
}

/** `usually takes 41 s (p90 of the last 7)`. */
export function describeEstimate(estimate: DurationEstimate): string {
  const of = estimate.samples === 1 ? 'the last one' : `the last ${estimate.samples}`;
  return `usually takes ${formatDuration(estimate.p90Ms)} (p90 of ${of})`;
}

/** `12 s of ~41 s (29%)`, or `52 s, longer than the usual 41 s`. */
export function describeProgress(progress: DeploymentProgressView, estimate: DurationEstimate): string {
  const elapsed = formatDuration(progress.elapsedMs);
  if (progress.overdue) return `${elapsed}, longer than the usual ${formatDuration(estimate.p90Ms)}`;
  return `${elapsed} of ~${formatDuration(estimate.p90Ms)} (${Math.floor(progress.fraction * 100)}%)`;
}
