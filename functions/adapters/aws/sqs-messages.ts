import { createHash } from 'node:crypto';
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { DeadLetter, ReceivedMessage } from '../../ports';
import type { MessageFailure } from '../../state/message-failures';

/** SQS's documented limit for a message (body + attributes); newer text says 1 MiB, we keep the safe one. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
/** Group and deduplication ids: 1–128 printable ASCII characters, no spaces. */
export const SQS_ID = /^[\x21-\x7e]{1,128}$/;

/** The key itself when SQS accepts it (readable in the console), else its sha256 (64 hex characters). */
export function deduplicationId(key: string): string {
  return SQS_ID.test(key) ? key : createHash('sha256').update(key).digest('hex');
}

export function attributesSize(attributes: Record<string, MessageAttributeValue>): number {
  return Object.entries(attributes).reduce(
    (sum, [name, a]) =>
      sum + Buffer.byteLength(name) + Buffer.byteLength(a.DataType ?? '') + Buffer.byteLength(a.StringValue ?? ''),
    0,
  );
}

function parseBody(message: Message): unknown {
  try {
    return JSON.parse(message.Body ?? '');
  } catch {
    return message.Body; // the worker's job validation reports it
  }
}

export function toReceived(message: Message): ReceivedMessage {
  return {
    id: message.MessageId ?? '',
    group: message.Attributes?.MessageGroupId ?? '',
    dedupKey: message.MessageAttributes?.dedupKey?.StringValue ?? '',
    body: parseBody(message),
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
    receipt: message.ReceiptHandle ?? '',
  };
}

/** A dead letter from its DLQ message and what was recorded when it last failed. */
export function toDeadLetter(message: Message, failure: MessageFailure | undefined): DeadLetter {
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    id: message.MessageId ?? '',
    group: message.Attributes?.MessageGroupId ?? '',
    body: parseBody(message),
    error: failure?.error ?? NO_REASON,
    receiveCount: failure?.receiveCount ?? Math.max(0, Number(message.Attributes?.ApproximateReceiveCount ?? 1) - 1),
    // Without a record, the original send time: SQS does not record when it dead-lettered a message.
    failedAt: failure?.at ?? (Number.isFinite(sent) ? new Date(sent).toISOString() : ''),
  };
}

/** The reason given for a dead letter nobody recorded a failure for (its runs timed out or died). */
export const NO_REASON =
  'receive limit reached without a recorded error (the consumer timed out or stopped) — see the worker logs for this correlation id';
