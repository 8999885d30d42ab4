import { describeNeeds } from '../../core/compat';
import type { ReleaseView } from '../../state/release-views';
import { Age, Badge } from './status';

/** How many releases an app section lists; the rest are in `tarmac releases` and the read API. */
const RELEASES_SHOWN = 5;

function Release(props: { release: ReleaseView; now: Date }) {
  const r = props.release;
  if (r.status === 'rejected') {
    return (
      <li>
        <Badge tone="bad" mark="✗" label="rejected" /> <b>{r.version}</b>{' '}
        <span class="muted small">
          by {r.uploadedBy} <Age iso={r.createdAt} now={props.now} />
        </span>
        <div class="small">{r.rejection ?? 'no reason recorded'}</div>
      </li>
    );
  }
  return (
    <li>
      <b>{r.version}</b> <code>{r.sha256.slice(0, 12)}</code>{' '}
      <span class="muted small">
        {r.gitSha ? `git ${r.gitSha.slice(0, 7)} · ` : ''}
        {r.branch ? `${r.branch} · ` : ''}
        {(r.size / 1e6).toFixed(1)} MB · by {r.uploadedBy} <Age iso={r.createdAt} now={props.now} />
      </span>{' '}
      {r.deployedTo.map((env) => (
        <Badge tone="ok" mark="▶" label={env} />
      ))}
      {r.needs ? <div class="muted small">needs {describeNeeds(r.needs)}</div> : null}
    </li>
  );
}

/** An app's newest releases, accepted (where each serves, what it needs from a host) and rejected (why). */
export function Releases(props: { releases: readonly ReleaseView[]; now: Date }) {
  return (
    <section class="card" aria-label="releases">
      <h4>Releases</h4>
      {props.releases.length === 0 ? <p class="empty">None pushed yet.</p> : null}
      <ul class="list">
        {props.releases.slice(0, RELEASES_SHOWN).map((release) => (
          <Release release={release} now={props.now} />
        ))}
      </ul>
    </section>
  );
}
