import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { deduplicationId } from '../../../../functions/adapters/aws/sqs-messages';
import { SqsQueue } from '../../../../functions/adapters/aws/sqs-queue';
import type { Job } from '../../../../functions/core/jobs';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/tarmac-jobs.fifo';
const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/tarmac-jobs-dlq.fifo';
const client = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const sqs = mockClient(client);
const queue = new SqsQueue({ queueUrl: QUEUE, deadLetterQueueUrl: DLQ, client });

const job: Job = {
  v: 1,
  type: 'lock',
  idempotencyKey: 'slack-T1-123',
  correlationId: 'c-1',
  app: 'hello',
  env: 'staging',
  reason: 'db migration',
  by: 'ana',
};

function received(id: string, group: string, extra: Record<string, string> = {}) {
  return {
    MessageId: id,
    ReceiptHandle: `rh-${id}`,
    Body: JSON.stringify({ ...job, idempotencyKey: id }),
    Attributes: { MessageGroupId: group, ApproximateReceiveCount: '2', ...extra },
    MessageAttributes: { dedupKey: { DataType: 'String', StringValue: `key-${id}` } },
  };
}

beforeEach(() => sqs.reset());

describe('SqsQueue.send', () => {
  it('sends the job as JSON with group, deduplication id and type/version attributes', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    expect(await queue.send({ group: 'fleet-web', dedupKey: 'slack-T1-123', body: job })).toEqual({ id: 'm-1' });
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: QUEUE,
      MessageBody: JSON.stringify(job),
      MessageGroupId: 'fleet-web',
      MessageDeduplicationId: 'slack-T1-123',
      MessageAttributes: {
        type: { DataType: 'String', StringValue: 'lock' },
        version: { DataType: 'Number', StringValue: '1' },
        dedupKey: { DataType: 'String', StringValue: 'slack-T1-123' },
      },
    });
  });

  it('hashes a deduplication key SQS would refuse: too long, or with spaces or non-ASCII', () => {
    expect(deduplicationId('github-7f1c')).toBe('github-7f1c');
    for (const key of ['x'.repeat(129), 'has space', 'ünïcode']) {
      expect(deduplicationId(key)).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(deduplicationId('has space')).not.toBe(deduplicationId('has  space'));
  });

  it('fails on a group SQS would refuse, naming it, without sending', async () => {
    for (const group of ['', 'x'.repeat(129), 'fleet web']) {
      await expect(queue.send({ group, dedupKey: 'k', body: job })).rejects.toThrow(`"${group}"`);
    }
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('fails on a body over 256 KiB, pointing at the artifact store', async () => {
    const big = { ...job, reason: 'x'.repeat(256 * 1024) };
    await expect(queue.send({ group: 'fleet-web', dedupKey: 'k', body: big })).rejects.toThrow(/artifact store/);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});

describe('SqsQueue.receive, ack and fail', () => {
  it('receives one message a call, up to max calls, with the visibility timeout and attributes it needs', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [received('a', 'fleet-web')] })
      .resolvesOnce({ Messages: [received('c', 'fleet-db')] })
      .resolves({ Messages: [] });
    const messages = await queue.receive({ max: 10, visibilityTimeoutSec: 90 });
    const calls = sqs.commandCalls(ReceiveMessageCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(3); // stops at the first empty answer
    expect(calls[0]).toEqual({
      QueueUrl: QUEUE,
      MaxNumberOfMessages: 1,
      VisibilityTimeout: 90,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'MessageGroupId'],
      MessageAttributeNames: ['All'],
    });
    expect(messages.map((m) => m.id)).toEqual(['a', 'c']);
    expect(messages[0]).toEqual({
      id: 'a',
      group: 'fleet-web',
      dedupKey: 'key-a',
      body: { ...job, idempotencyKey: 'a' },
      receiveCount: 2,
      receipt: 'rh-a',
    });
    // Never a follower received and handed back: that would count a receive it never had.
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);
  });

  it('fails when max is outside 1 to 10, naming it, without calling SQS', async () => {
    await expect(queue.receive({ max: 25, visibilityTimeoutSec: 30 })).rejects.toThrow(
      /receive max 25 is outside 1 to 10/,
    );
    await expect(queue.receive({ max: 0, visibilityTimeoutSec: 30 })).rejects.toThrow(/receive max 0/);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });

  it('acks with DeleteMessage and fails with ChangeMessageVisibility (default: visible now)', async () => {
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    await queue.ack('rh-a');
    await queue.fail('rh-b', 'boom');
    await queue.fail('rh-c', 'boom', { retryAfterSec: 60 });
    expect(sqs.commandCalls(DeleteMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: QUEUE,
      ReceiptHandle: 'rh-a',
    });
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: QUEUE, ReceiptHandle: 'rh-b', VisibilityTimeout: 0 },
      { QueueUrl: QUEUE, ReceiptHandle: 'rh-c', VisibilityTimeout: 60 },
    ]);
  });
});

describe('SqsQueue.deadLetters', () => {
  it('reads the DLQ page by page without deleting, then makes the messages visible again', async () => {
    const sent = Date.parse('2030-01-01T00:00:00Z');
    sqs
      .on(ReceiveMessageCommand, { QueueUrl: DLQ })
      .resolvesOnce({ Messages: [received('a', 'fleet-web', { SentTimestamp: String(sent) })] })
      .resolvesOnce({ Messages: [received('b', 'fleet-db', { SentTimestamp: String(sent) })] })
      .resolves({ Messages: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const letters = await queue.deadLetters();
    // No state store: the count less this listing's own receive, and the send time.
    expect(letters.map((l) => [l.id, l.group, l.receiveCount, l.failedAt])).toEqual([
      ['a', 'fleet-web', 1, '2030-01-01T00:00:00.000Z'],
      ['b', 'fleet-db', 1, '2030-01-01T00:00:00.000Z'],
    ]);
    expect(letters[0]?.error).toMatch(/without a recorded error/);
    expect(letters[0]?.body).toEqual({ ...job, idempotencyKey: 'a' });
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]?.args[0].input.QueueUrl).toBe(DLQ);
  });

  it('fails without a DLQ URL, naming the variable to set', async () => {
    await expect(new SqsQueue({ queueUrl: QUEUE, client }).deadLetters()).rejects.toThrow(/TARMAC_DLQ_URL/);
  });
});
