import { formatAge } from '../../core/clock';
import type { DeploymentStatus, HookResult } from '../../core/deployments';

/** Colour family of a status; every use also prints a mark and a word, so colour is never the only signal. */
export type Tone = 'ok' | 'bad' | 'run' | 'warn' | 'idle';

interface Look {
  readonly tone: Tone;
  readonly mark: string;
  readonly label: string;
}

const DEPLOYMENT: Record<DeploymentStatus, Look> = {
  pending: { tone: 'warn', mark: '•', label: 'pending' },
  in_progress: { tone: 'run', mark: '…', label: 'running' },
  succeeded: { tone: 'ok', mark: '✓', label: 'succeeded' },
  failed: { tone: 'bad', mark: '✗', label: 'failed' },
  rolled_back: { tone: 'warn', mark: '↩', label: 'rolled back' },
};

const HOOK: Record<HookResult['status'] | 'not_run', Look> = {
  succeeded: { tone: 'ok', mark: '✓', label: 'succeeded' },
  failed: { tone: 'bad', mark: '✗', label: 'failed' },
  in_progress: { tone: 'run', mark: '…', label: 'running' },
  skipped: { tone: 'idle', mark: '–', label: 'skipped' },
  not_run: { tone: 'idle', mark: '·', label: 'not run' },
};

/** A pill: mark and word on a status colour. */
export function Badge(props: { tone: Tone; mark?: string; label: string }) {
  return (
    <span class={`badge s-${props.tone}`}>
      {props.mark ? `${props.mark} ` : ''}
      {props.label}
    </span>
  );
}

export function DeploymentBadge(props: { status: DeploymentStatus }) {
  return <Badge {...DEPLOYMENT[props.status]} />;
}

/** One lifecycle event's result as a compact mark; the word is in the tooltip and for screen readers. */
export function HookMark(props: { result: HookResult | undefined; event: string }) {
  const look = HOOK[props.result?.status ?? 'not_run'];
  const text = `${props.event}: ${look.label}`;
  return (
    <span class={`mark s-${look.tone}`} title={text} role="img" aria-label={text}>
      {look.mark}
    </span>
  );
}

/** "3 h ago", with the exact time on hover. */
export function Age(props: { iso: string; now: Date }) {
  return (
    <time datetime={props.iso} title={props.iso}>
      {formatAge(props.iso, props.now)} ago
    </time>
  );
}

/** How long a deployment ran, or nothing while it has not ended. */
export function duration(startedAt: string | undefined, endedAt: string | undefined): string | undefined {
  if (!startedAt || !endedAt) return undefined;
  return formatAge(startedAt, new Date(endedAt));
}

/** The first characters of a hex digest, enough to tell releases apart at a glance. */
export const shortSha = (sha: string, length = 12) => sha.slice(0, length);
