import { escapeSlack } from '../../core/chat';
import { deploymentBlocks } from '../../core/chat-blocks';
import type { Logger } from '../../log';
import type { Notification } from '../../ports';
import { NotifyHttpError } from './errors';

/** Slack allows at most 5 posts to one response_url (within 30 minutes). */
export const SLACK_MAX_POSTS = 5;

/**
 * Posts progress to a slash command's response_url: queued, started, finished or failed with a per-host
 * summary. Counts posts per URL and stops at Slack's limit (the finished message is kept for last).
 */
export class SlackResponder {
  private readonly posts = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async post(notification: Notification): Promise<void> {
    const url = notification.slackResponseUrl;
    if (!url) return;
    const used = this.posts.get(url) ?? 0;
    const last = notification.kind === 'finished' || notification.kind === 'rejected';
    // Keep the last of the 5 posts for the outcome.
    if (used >= SLACK_MAX_POSTS || (used >= SLACK_MAX_POSTS - 1 && !last)) return;
    this.posts.set(url, used + 1);
    const body = {
      response_type: 'ephemeral',
      replace_original: false,
      text: escapeSlack(notification.text), // may hold what a user typed (a lock reason)
      ...(notification.deployment ? { blocks: deploymentBlocks(notification.deployment, notification.text) } : {}),
    };
    try {
      const response = await this.fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new NotifyHttpError('Slack POST response_url', response.status);
    } catch (error) {
      this.logger.warn(
        { event: 'notify.slack_failed', correlationId: notification.correlationId, error: String(error) },
        'Slack post failed',
      );
    }
  }
}
