import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import { TarmacError } from '../../core/errors';
import type { Clock, DeadLetter, JobQueue, OutgoingMessage, ReceivedMessage, StateStore } from '../../ports';
import { recordMessageFailure } from '../../state/message-failures';
import { readDeadLetters } from './sqs-dead-letters';
import { attributesSize, deduplicationId, MAX_MESSAGE_BYTES, SQS_ID, toReceived } from './sqs-messages';

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
  /** Where `fail` records why a message failed, for `deadLetters()` (SQS keeps no reason). @default none */
  readonly state?: StateStore;
  readonly clock?: Clock;
}

/**
 * The job queue on SQS FIFO. The group orders a fleet's work; the deduplication id is the job's idempotency
 * key (hashed when SQS would refuse it), and the original key travels as a message attribute.
 *
 * SQS keeps no failure reason on a message: `fail` records it in the state store by message id (as the worker
 * does on the Lambda path), makes the message visible again, and the redrive policy (`maxReceiveCount`) moves it
 * to the DLQ, where `deadLetters()` finds the reason again.
 */
export class SqsQueue implements JobQueue {
  private readonly client: SQSClient;
  private readonly inFlight = new Map<string, { id: string; receiveCount: number }>();

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
    const { max } = options;
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw new TarmacError(`receive max ${max} is outside 1 to 10 — SQS returns at most 10 messages a call`, { max });
    }
    // One message a call: SQS FIFO fills a call with messages of one group, and counts every message it returns
    // as received, even one handed straight back (its followers would reach the DLQ with a failing head).
    // One at a time, a group whose head is in flight is skipped, so only heads are received.
    const received: ReceivedMessage[] = [];
    for (let call = 0; call < max; call++) {
      const { Messages = [] } = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: 1,
          VisibilityTimeout: options.visibilityTimeoutSec,
          WaitTimeSeconds: call === 0 ? (this.options.waitTimeSec ?? 0) : 0,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'MessageGroupId'],
          MessageAttributeNames: ['All'],
        }),
      );
      const [message] = Messages;
      if (!message) break;
      const one = toReceived(message);
      received.push(one);
      this.remember(one);
    }
    return received;
  }

  async ack(receipt: string): Promise<void> {
    this.inFlight.delete(receipt);
    await this.client.send(new DeleteMessageCommand({ QueueUrl: this.options.queueUrl, ReceiptHandle: receipt }));
  }

  async fail(receipt: string, error: string, options: { retryAfterSec?: number } = {}): Promise<void> {
    const delivery = this.inFlight.get(receipt);
    this.inFlight.delete(receipt);
    if (delivery && this.options.state) {
      const at = (this.options.clock?.now() ?? new Date()).toISOString();
      await recordMessageFailure(this.options.state, delivery.id, { error, receiveCount: delivery.receiveCount, at });
    }
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.options.queueUrl,
        ReceiptHandle: receipt,
        VisibilityTimeout: options.retryAfterSec ?? 0,
      }),
    );
  }

  /** The dead-letter queue's messages, with the reason and receive count recorded when each last failed. */
  async deadLetters(): Promise<DeadLetter[]> {
    const url = this.options.deadLetterQueueUrl;
    if (!url) throw new TarmacError('no dead-letter queue URL configured — set TARMAC_DLQ_URL', {});
    return readDeadLetters({ client: this.client, url, state: this.options.state, clock: this.options.clock });
  }

  /** Deliveries this process holds, by receipt, so `fail` can record why (bounded: oldest forgotten). */
  private remember(message: ReceivedMessage): void {
    this.inFlight.set(message.receipt, { id: message.id, receiveCount: message.receiveCount });
    if (this.inFlight.size > 1000) this.inFlight.delete(this.inFlight.keys().next().value as string);
  }
}
