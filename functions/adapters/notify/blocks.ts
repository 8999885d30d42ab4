import type { Deployment } from '../../core/deployments';

const ICON: Record<string, string> = {
  pending: ':hourglass:',
  in_progress: ':arrows_counterclockwise:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  rolled_back: ':leftwards_arrow_with_hook:',
  skipped: ':white_circle:',
};

/** Block Kit for a deployment: a headline, its facts, and one line per host with its lifecycle events. */
export function deploymentBlocks(d: Deployment, text: string): unknown[] {
  const facts = [
    `*Release* ${d.version} (\`${d.sha256.slice(0, 12)}\`)`,
    `*Trigger* ${d.trigger} by ${d.requestedBy}`,
    `*Deployment* \`${d.id}\``,
  ];
  const hosts = d.hosts.map((h) => {
    const events = h.events.map((e) => `${e.event} ${ICON[e.status] ?? e.status}`).join(' → ');
    return `${ICON[h.status] ?? ''} *${h.host}* ${events}`;
  });
  return [
    { type: 'section', text: { type: 'mrkdwn', text: `${ICON[d.status] ?? ''} ${text}` } },
    { type: 'context', elements: facts.map((f) => ({ type: 'mrkdwn', text: f })) },
    ...(hosts.length ? [{ type: 'section', text: { type: 'mrkdwn', text: hosts.join('\n') } }] : []),
    ...(d.error ? [{ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${d.error.slice(-2500)}\`\`\`` } }] : []),
  ];
}
