import type { Deployment } from '../core/deployments';
import type { Notification } from '../ports';
import type { WorkerDeps } from './deps';

/** Who asked for a piece of work and where to answer them. */
export interface Requester {
  readonly correlationId: string;
  readonly replyTo?: { readonly slackResponseUrl?: string | undefined } | undefined;
}

/** Tell whoever asked (Slack response_url, GitHub, the log) how their request went. */
export function tell(
  deps: Pick<WorkerDeps, 'notifier'>,
  requester: Requester,
  kind: Notification['kind'],
  text: string,
  deployment?: Deployment,
): Promise<void> {
  return deps.notifier.notify({
    kind,
    text,
    correlationId: requester.correlationId,
    slackResponseUrl: requester.replyTo?.slackResponseUrl,
    ...(deployment ? { deployment } : {}),
  });
}
