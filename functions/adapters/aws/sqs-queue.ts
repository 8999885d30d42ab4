import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import { TarmacError } from '../../core/errors';
import type { DeadLetter, JobQueue, OutgoingMessage, ReceivedMessage } from '../../ports';
import { attributesSize, deduplicationId, MAX_MESSAGE_BYTES, SQS_ID, toDeadLetter, toReceived } from './sqs-messages';

export interface SqsQueueOptions {
  /** URL of the FIFO queue (`….fifo`). */
  readonly queueUrl: string;
  /** URL of its FIFO dead-letter queue; needed by `deadLetters()` only. */
  readonly deadLetterQueueUrl?: string;
  /** @default new SQSClient(clientConfig) */
  readonly client?: SQSClient;
  readonly clientConfig?: SQSClientConfig;
  /** Long polling for `receive`, 0–20 s. @default 0 */
  readonly waitTimeSec?: number;
}

/**
 * The job queue on SQS FIFO. The group orders a fleet's work; the deduplication id is the job's idempotency
 * key (hashed when SQS would refuse it), and the original key travels as a message attribute.
 *
 * SQS keeps no failure reason on a message: `fail` only makes it visible again, the redrive policy
 * (`maxReceiveCount`) moves it to the DLQ, and the reason lives in the worker's logs (search by correlation id).
 */
export class SqsQueue implements JobQueue {
  private readonly client: SQSClient;

  constructor(private readonly options: SqsQueueOptions) {
    this.client = options.client ?? new SQSClient(options.clientConfig ?? {});
  }

  async send(message: OutgoingMessage): Promise<{ id: string }> {
    if (!SQS_ID.test(message.group)) {
      throw new TarmacError(
        `queue group "${message.group}" is not a valid SQS MessageGroupId — 1 to 128 printable ASCII characters, no spaces`,
        { group: message.group },
      );
    }
    const body = JSON.stringify(message.body);
    const attributes: Record<string, MessageAttributeValue> = {
      type: { DataType: 'String', StringValue: message.body.type },
      version: { DataType: 'Number', StringValue: String(message.body.v) },
      dedupKey: { DataType: 'String', StringValue: message.dedupKey },
    };
    const size = Buffer.byteLength(body) + attributesSize(attributes);
    if (size > MAX_MESSAGE_BYTES) {
      throw new TarmacError(
        `job ${message.body.type} ${message.body.idempotencyKey} is ${size} bytes, over the SQS limit of ${MAX_MESSAGE_BYTES} — put large data in the artifact store and send its key`,
        { type: message.body.type, size },
      );
    }
    const result = await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.options.queueUrl,
        MessageBody: body,
        MessageGroupId: message.group,
        MessageDeduplicationId: deduplicationId(message.dedupKey),
        MessageAttributes: attributes,
      }),
    );
    return { id: result.MessageId ?? '' };
  }

  async receive(options: { max: number; visibilityTimeoutSec: number }): Promise<ReceivedMessage[]> {
    const result = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: Math.min(10, Math.max(1, options.max)),
        VisibilityTimeout: options.visibilityTimeoutSec,
        WaitTimeSeconds: this.options.waitTimeSec ?? 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'MessageGroupId'],
        MessageAttributeNames: ['All'],
      }),
    );
    const kept: ReceivedMessage[] = [];
    const extra: Message[] = [];
    for (const message of result.Messages ?? []) {
      const received = toReceived(message);
      if (kept.some((m) => m.group === received.group)) extra.push(message);
      else kept.push(received);
    }
    // SQS may hand out several messages of one group at once; the port promises one per group, so the later
    // ones go straight back (their receive count still grows by one — keep maxReceiveCount ≥ 5).
    if (extra.length > 0) await this.release(extra);
    return kept;
  }

  async ack(receipt: string): Promise<void> {
    await this.client.send(new DeleteMessageCommand({ QueueUrl: this.options.queueUrl, ReceiptHandle: receipt }));
  }

  async fail(receipt: string, _error: string, options: { retryAfterSec?: number } = {}): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.options.queueUrl,
        ReceiptHandle: receipt,
        VisibilityTimeout: options.retryAfterSec ?? 0,
      }),
    );
  }

  /**
   * Read the DLQ without deleting: messages are hidden while paging, then made visible again. FIFO hands out
   * at most one receive's worth (≤ 10) of a group while its messages are hidden, so a group with more dead
   * letters than that shows its oldest ones only.
   */
  async deadLetters(): Promise<DeadLetter[]> {
    const url = this.options.deadLetterQueueUrl;
    if (!url) throw new TarmacError('no dead-letter queue URL configured — set TARMAC_DLQ_URL', {});
    const seen = new Map<string, Message>();
    for (let page = 0; page < 100; page++) {
      const { Messages = [] } = await this.client.send(
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
    await this.release([...seen.values()], url);
    return [...seen.values()].map(toDeadLetter);
  }

  private async release(messages: readonly Message[], url = this.options.queueUrl): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const entries = messages.slice(i, i + 10).map((m, n) => ({
        Id: String(n),
        ReceiptHandle: m.ReceiptHandle,
        VisibilityTimeout: 0,
      }));
      await this.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries }));
    }
  }
}
