import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export interface EventSourceOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  /** The function's handler (the worker Lambda's `handler`). */
  readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;
  /** @default 10 (the stack's batch size) */
  readonly batchSize?: number;
}

/** What the stand-in saw, for assertions. */
export interface Invocation {
  readonly records: SQSRecord[];
  readonly failures: string[];
  readonly error?: string;
}

/**
 * A stand-in for Lambda's SQS event source mapping with `ReportBatchItemFailures`: long-polls the queue,
 * invokes the handler with the batch as Lambda builds it (system attributes as strings, message attributes
 * in Lambda's camelCase shape), then deletes exactly the records `batchItemFailures` does not list. A
 * handler that throws is a function error: nothing is deleted, the whole batch comes back after the
 * visibility timeout. Invocations are one at a time (Lambda may run several for different groups).
 */
export function startEventSource(options: EventSourceOptions) {
  const invocations: Invocation[] = [];
  let running = true;
  let busy = false;
  const loop = (async () => {
    while (running) {
      const { Messages = [] } = await options.client.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: options.batchSize ?? 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) continue;
      busy = true;
      try {
        await invoke(Messages);
      } finally {
        busy = false;
      }
    }
  })();

  async function invoke(messages: Message[]): Promise<void> {
    const records = messages.map((m) => toRecord(m, options));
    let failures: string[] = [];
    try {
      const response = await options.handler({ Records: records });
      failures = (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
    } catch (error) {
      invocations.push({ records, failures: records.map((r) => r.messageId), error: String(error) });
      return;
    }
    invocations.push({ records, failures });
    const done = messages.filter((m) => !failures.includes(m.MessageId ?? ''));
    if (done.length === 0) return;
    await options.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string })),
      }),
    );
  }

  return {
    invocations,
    /** Until the queue holds nothing, visible or in flight, and no invocation runs (bounded). */
    async idle(timeoutMs = 60_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const { Attributes = {} } = await options.client.send(
          new GetQueueAttributesCommand({
            QueueUrl: options.queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        const left =
          Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
        if (left === 0 && !busy) return;
        await sleep(200);
      }
      throw new Error(`the job queue did not empty within ${timeoutMs} ms`);
    },
    async stop(): Promise<void> {
      running = false;
      await loop;
    },
  };
}

export type EventSource = ReturnType<typeof startEventSource>;

/** One SQS message as Lambda hands it to a function (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html). */
function toRecord(message: Message, options: EventSourceOptions): SQSRecord {
  const a = message.Attributes ?? {};
  const attributes = {
    ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
    SentTimestamp: a.SentTimestamp ?? '',
    SenderId: a.SenderId ?? '',
    ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? '',
    ...(a.SequenceNumber ? { SequenceNumber: a.SequenceNumber } : {}),
    ...(a.MessageGroupId ? { MessageGroupId: a.MessageGroupId } : {}),
    ...(a.MessageDeduplicationId ? { MessageDeduplicationId: a.MessageDeduplicationId } : {}),
  };
  const messageAttributes = Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, v]) => [
      name,
      {
        dataType: v.DataType ?? 'String',
        ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
        stringListValues: [],
        binaryListValues: [],
      },
    ]),
  );
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: options.queueArn,
    awsRegion: options.region,
  } as SQSRecord;
}
