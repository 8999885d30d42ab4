import { formatAge } from '../core/clock';
import type { ReleaseView } from '../state/release-views';

/** How many releases a Slack answer lists (newest first); `tarmac releases` shows them all. */
export const SLACK_RELEASES_SHOWN = 10;

/**
 * `/tarmac releases <app>`: one line per release, newest first, as `tarmac releases` says it — accepted ones
 * with their sha256 prefix, git sha and where each serves now, rejected ones with the reason. Plain text:
 * the caller escapes it for Slack.
 */
export function releasesText(app: string, releases: readonly ReleaseView[], now: Date): string {
  const accepted = releases.filter((r) => r.status === 'accepted').length;
  const head = `${app}: ${accepted} accepted, ${releases.length - accepted} rejected`;
  if (releases.length === 0) return `${head} — push one with tarmac release push`;
  const lines = releases.slice(0, SLACK_RELEASES_SHOWN).map((r) => {
    const who = `by ${r.uploadedBy} ${formatAge(r.createdAt, now)} ago`;
    const git = r.gitSha ? `git ${r.gitSha.slice(0, 7)}, ` : '';
    if (r.status === 'rejected') return `• ${r.version} REJECTED ${who}: ${r.rejection ?? '(no reason recorded)'}`;
    const serving = r.deployedTo.length ? `serving ${r.deployedTo.join(', ')}` : 'not deployed';
    return `• ${r.version} ${r.sha256.slice(0, 12)} — ${git}${who} — ${serving}`;
  });
  const more =
    releases.length > SLACK_RELEASES_SHOWN
      ? [`(${releases.length - SLACK_RELEASES_SHOWN} older: tarmac releases ${app})`]
      : [];
  return [head, ...lines, ...more].join('\n');
}
