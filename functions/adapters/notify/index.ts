import type { Logger } from '../../log';
import type { Notification, Notifier, StateStore } from '../../ports';
import { GitHubDeployments, type GitHubOptions } from './github';
import { SlackResponder } from './slack';

/**
 * The notifier both modes use: Slack response_url posts for chat-driven work, GitHub Deployments statuses
 * when a token is configured, and one log line per notification. A failed post never fails the job.
 */
export function createNotifier(deps: {
  logger: Logger;
  state: StateStore;
  github?: GitHubOptions | undefined;
  fetch?: typeof fetch;
}): Notifier {
  const slack = new SlackResponder(deps.logger, deps.fetch);
  const github = deps.github ? new GitHubDeployments(deps.github, deps.state, deps.logger, deps.fetch) : undefined;
  return {
    async notify(notification: Notification): Promise<void> {
      deps.logger.info(
        {
          event: `notify.${notification.kind}`,
          correlationId: notification.correlationId,
          deploymentId: notification.deployment?.id,
        },
        notification.text,
      );
      await Promise.all([slack.post(notification), github?.post(notification)]);
    },
  };
}
