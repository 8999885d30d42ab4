import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Clock, DeadLetter, StateStore } from '../../ports';
import { firstMessageFailure, messageFailure } from '../../state/message-failures';
import { NO_REASON, toDeadLetter } from './sqs-messages';

/**
 * Read a dead-letter queue without deleting: messages are hidden while paging, then made visible again. FIFO
 * hands out at most one receive's worth (≤ 10) of a group while its messages are hidden, so a group with more
 * dead letters than that shows its oldest ones only.
 *
 * Each read is a receive, so the DLQ's own receive count grows every time it is listed: the count shown is
 * the one recorded when the message last failed, or (nothing recorded) the first listing's count less that
 * listing's own receive, kept from then on.
 */
export async function readDeadLetters(options: {
  client: SQSClient;
  url: string;
  state?: StateStore | undefined;
  clock?: Clock | undefined;
}): Promise<DeadLetter[]> {
  const { client, url, state } = options;
  const seen = new Map<string, Message>();
  for (let page = 0; page < 100; page++) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 30,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'MessageGroupId', 'SentTimestamp'],
        MessageAttributeNames: ['All'],
      }),
    );
    const fresh = Messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (fresh.length === 0) break;
    for (const m of fresh) seen.set(m.MessageId as string, m);
  }
  await makeVisible(client, url, [...seen.values()]);
  const letters: DeadLetter[] = [];
  for (const message of seen.values()) {
    const id = message.MessageId as string;
    const recorded = state ? await messageFailure(state, id) : undefined;
    if (recorded || !state) {
      letters.push(toDeadLetter(message, recorded));
      continue;
    }
    const first = toDeadLetter(message, undefined);
    const kept = await firstMessageFailure(state, id, {
      error: NO_REASON,
      receiveCount: first.receiveCount,
      at: first.failedAt || (options.clock?.now() ?? new Date()).toISOString(),
    });
    letters.push(toDeadLetter(message, kept));
  }
  return letters;
}

async function makeVisible(client: SQSClient, url: string, messages: readonly Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const entries = messages.slice(i, i + 10).map((m, n) => ({
      Id: String(n),
      ReceiptHandle: m.ReceiptHandle,
      VisibilityTimeout: 0,
    }));
    await client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries }));
  }
}
