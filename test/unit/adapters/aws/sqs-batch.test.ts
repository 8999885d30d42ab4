import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type SqsJobMeta, sqsJobHandler } from '../../../../functions/adapters/aws/sqs-batch';

/** An SQS FIFO record as the Lambda event source delivers it. */
const base: SQSRecord = {
  messageId: 'm-0',
  receiptHandle: 'AQEB…',
  body: '{}',
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: '1893456000000',
    SenderId: 'AIDAEXAMPLE',
    ApproximateFirstReceiveTimestamp: '1893456000100',
    SequenceNumber: '18849496460467696128',
    MessageGroupId: 'fleet-web',
    MessageDeduplicationId: 'dedup-0',
  },
  messageAttributes: {},
  md5OfBody: 'e3b0c44298fc1c149afbf4c8996fb924',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:tarmac-jobs.fifo',
  awsRegion: 'eu-west-1',
};

function record(n: number, body: unknown = { n }): SQSRecord {
  return {
    ...base,
    messageId: `m-${n}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    messageAttributes: { dedupKey: { dataType: 'String', stringValue: `key-${n}` } },
  };
}

const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

describe('sqsJobHandler (FIFO partial batch responses)', () => {
  it('runs every record in order and reports no failure when all succeed', async () => {
    const seen: unknown[] = [];
    const handler = sqsJobHandler(async (job) => {
      seen.push(job);
    });
    expect(await handler(event(record(1), record(2), record(3)))).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('stops at the first failure and reports it and every later record', async () => {
    const seen: number[] = [];
    const handler = sqsJobHandler(async (job) => {
      const { n } = job as { n: number };
      seen.push(n);
      if (n === 2) throw new Error('deploy refused');
    });
    const result = await handler(event(record(1), record(2), record(3), record(4)));
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: 'm-2' },
      { itemIdentifier: 'm-3' },
      { itemIdentifier: 'm-4' },
    ]);
    expect(seen).toEqual([1, 2]);
  });

  it('reports a whole failed batch instead of throwing', async () => {
    const handler = sqsJobHandler(async () => {
      throw new Error('state store down');
    });
    const result = await handler(event(record(1), record(2)));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }]);
  });

  it('hands a body that is not JSON to the worker as its text (its validation refuses it)', async () => {
    const seen: unknown[] = [];
    const handler = sqsJobHandler(async (job) => {
      seen.push(job);
    });
    const result = await handler(event(record(1, 'not json'), record(2)));
    expect(seen).toEqual(['not json', { n: 2 }]);
    expect(result.batchItemFailures).toEqual([]);
  });

  it('hands the worker the delivery metadata', async () => {
    const metas: SqsJobMeta[] = [];
    const handler = sqsJobHandler(async (_job, meta) => {
      metas.push(meta);
    });
    await handler(event({ ...record(7), attributes: { ...base.attributes, ApproximateReceiveCount: '3' } }));
    expect(metas).toEqual([
      { messageId: 'm-7', group: 'fleet-web', dedupKey: 'key-7', receiveCount: 3, context: undefined },
    ]);
  });
});
