import type { Deployment } from '../../core/deployments';
import { type DurationEstimate, describeEstimate, describeProgress, progressOf } from '../../core/estimate';

/**
 * How long a deployment of this environment usually takes (p90 of the last successful ones) and, for a running
 * one, how far along it is: a `<progress>` bar, since the page refreshes itself while something runs.
 */
export function Estimate(props: {
  estimate: DurationEstimate | undefined;
  running?: Deployment | undefined;
  now: Date;
}) {
  const { estimate, running, now } = props;
  if (!estimate) return <p class="empty">No successful deployment yet to estimate from.</p>;
  const progress = running && progressOf(running, estimate, now);
  return (
    <div class="estimate">
      <p class="muted small">{describeEstimate(estimate).replace(/^u/, 'U')}</p>
      {progress ? (
        <p class="small">
          <progress
            max="100"
            value={String(Math.floor(progress.fraction * 100))}
            aria-label={`${running?.version} deploying`}
          />{' '}
          {running?.version}: {describeProgress(progress, estimate)}
        </p>
      ) : null}
    </div>
  );
}
