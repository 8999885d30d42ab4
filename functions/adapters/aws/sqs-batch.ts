import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** What the worker learns about a job's delivery besides the job itself. */
export interface SqsJobMeta {
  readonly messageId: string;
  readonly group: string;
  /** The job's idempotency key as sent (the SQS deduplication id may be its hash). */
  readonly dedupKey: string;
  /** 1 on first delivery. */
  readonly receiveCount: number;
  readonly context?: Context | undefined;
}

export type SqsJobHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * The Lambda handler for the SQS FIFO event source (with `ReportBatchItemFailures`). Records run one after
 * another in order; at the first failure processing stops and that record and every later one are reported
 * in `batchItemFailures`, so SQS redelivers them in order (Powertools' FIFO processor does exactly this).
 * A body that is not JSON is handed over as its text: the worker's validation refuses it, records it and
 * returns, so it is deleted like a success and never holds up the records behind it.
 *
 * @example
 *   export const handler = sqsJobHandler((job, meta) => worker.handle(parseJob(job), meta));
 */
export function sqsJobHandler(handleJob: (job: unknown, meta: SqsJobMeta) => Promise<void>): SqsJobHandler {
  return async (event, context) => {
    // One processor per invocation: it keeps the batch's state, and tests may call the handler concurrently.
    const processor = new SqsFifoPartialProcessorAsync();
    const record = async (item: SQSRecord): Promise<void> => {
      await handleJob(parseBody(item.body), {
        messageId: item.messageId,
        group: item.attributes.MessageGroupId ?? '',
        dedupKey: item.messageAttributes.dedupKey?.stringValue ?? item.attributes.MessageDeduplicationId ?? '',
        receiveCount: Number(item.attributes.ApproximateReceiveCount ?? 1),
        context,
      });
    };
    // A fully failed batch is reported like a partial one rather than thrown: same redelivery, clearer logs.
    return processPartialResponse(event, record, processor, {
      ...(context ? { context } : {}),
      throwOnFullBatchFailure: false,
    });
  };
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
