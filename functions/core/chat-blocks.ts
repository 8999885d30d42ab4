import { escapeSlack as esc } from './chat';
import { formatAge } from './clock';
import type { Deployment } from './deployments';
import type { EnvironmentSummary } from './summaries';

const ICON: Record<string, string> = {
  pending: ':hourglass:',
  in_progress: ':arrows_counterclockwise:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  rolled_back: ':leftwards_arrow_with_hook:',
  skipped: ':white_circle:',
};

/**
 * Block Kit for a deployment: a headline, its facts, and one line per host with its lifecycle events.
 * Every value from outside (who asked, versions, host output, lock reasons) goes through `esc`: only the
 * markup written here is markup.
 */
export function deploymentBlocks(d: Deployment, text: string): unknown[] {
  const facts = [
    `*Release* ${esc(d.version)} (\`${d.sha256.slice(0, 12)}\`)`,
    `*Trigger* ${d.trigger} by ${esc(d.requestedBy)}`,
    `*Deployment* \`${esc(d.id)}\``,
  ];
  const hosts = d.hosts.map((h) => {
    const events = h.events.map((e) => `${e.event} ${ICON[e.status] ?? e.status}`).join(' → ');
    return `${ICON[h.status] ?? ''} *${esc(h.host)}* ${events}`;
  });
  return [
    { type: 'section', text: { type: 'mrkdwn', text: `${ICON[d.status] ?? ''} ${esc(text)}` } },
    { type: 'context', elements: facts.map((f) => ({ type: 'mrkdwn', text: f })) },
    ...(hosts.length ? [{ type: 'section', text: { type: 'mrkdwn', text: hosts.join('\n') } }] : []),
    ...(d.error
      ? [{ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${esc(d.error.slice(-2500))}\`\`\`` } }]
      : []),
  ];
}

/** Block Kit for `/tarmac status`: one section per environment with its release, lock and pending deploys. */
export function statusBlocks(summaries: readonly EnvironmentSummary[], now: Date): unknown[] {
  return summaries.map((s) => {
    const current = s.current
      ? `*${esc(s.current.version)}* · ${formatAge(s.current.at, now)} ago`
      : '_nothing deployed_';
    const lock = s.lock
      ? `\n:lock: locked by ${esc(s.lock.by)} ${formatAge(s.lock.since, now)} ago: “${esc(s.lock.reason)}”`
      : '';
    const pending = s.pending.length ? `\n:hourglass: ${esc(s.pending.map((p) => p.version).join(', '))} pending` : '';
    const last = s.recent[0];
    const recent = last
      ? `\n${ICON[last.status] ?? ''} last: ${esc(last.version)} ${last.status.replace('_', ' ')} (${last.trigger} by ${esc(last.requestedBy)})`
      : '';
    return {
      type: 'section',
      text: { type: 'mrkdwn', text: `*${s.app}/${s.env}* — ${current}${lock}${pending}${recent}` },
    };
  });
}

/** Block Kit for `/tarmac history`: a header and one line per deployment, newest first. */
export function historyBlocks(app: string, env: string, deployments: readonly Deployment[], now: Date): unknown[] {
  const lines = deployments.map(
    (d) =>
      `${ICON[d.status] ?? ''} *${esc(d.version)}* ${d.status.replace('_', ' ')} — ${d.trigger} by ${esc(d.requestedBy)}, ${formatAge(d.createdAt, now)} ago`,
  );
  return [
    { type: 'header', text: { type: 'plain_text', text: `${app}/${env} — recent deployments` } },
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') || '_no deployments yet_' } },
  ];
}
