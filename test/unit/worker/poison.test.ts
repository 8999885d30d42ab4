import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqsJobHandler } from '../../../functions/adapters/aws/sqs-batch';
import { SqliteQueue } from '../../../functions/adapters/local';
import { jobGroup } from '../../../functions/core/jobs';
import { type LocalRunner, startLocalRunner } from '../../../functions/local/runner';
import { createLogger, silentLogger } from '../../../functions/log';
import type { ArtifactStore } from '../../../functions/ports';
import { listFailedJobs } from '../../../functions/state/failed-jobs';
import { FAILED_JOBS_METRIC } from '../../../functions/worker/give-up';
import { MAX_ATTEMPTS } from '../../../functions/worker/once';
import { createWorker } from '../../../functions/worker/worker';
import { workerHarness } from '../../support/worker-harness';

// The real SQLite queue and the real runner, and the real worker behind Powertools' FIFO batch processor: a
// message that can never succeed is recorded (with its error and correlation id) and acknowledged at once,
// so the rest of its group goes on; a failing one is retried in order, and given up after MAX_ATTEMPTS runs
// of its own. The queue's dead-letter limit is set above that: it is only a backstop.
const MAX_RECEIVES = MAX_ATTEMPTS + 5;
const GROUP = jobGroup(() => 'web', { app: 'hello' });

/** Artifacts whose reads always fail as S3 does under load: retryable, never permanent. */
function throttled(artifacts: ArtifactStore): ArtifactStore {
  return {
    put: (body, options) => artifacts.put(body, options),
    get: async () => {
      throw new Error('SlowDown: Please reduce your request rate.');
    },
    head: (key) => artifacts.head(key),
    delete: (key) => artifacts.delete(key),
  };
}

describe('local runner: messages that can never succeed', () => {
  let h: ReturnType<typeof workerHarness>;
  let queue: SqliteQueue;
  let runner: LocalRunner | undefined;

  beforeEach(() => {
    h = workerHarness();
    queue = new SqliteQueue(join(h.dir, 'poison-queue.db'), { maxReceives: MAX_RECEIVES });
  });
  afterEach(async () => {
    await runner?.stop();
    queue.close();
    h.close();
  });

  const send = (dedupKey: string, body: object) =>
    queue.send({ group: GROUP, dedupKey, body: body as Parameters<SqliteQueue['send']>[0]['body'] });
  const job = (type: string, fields: Record<string, unknown>) => h.job(type as never, fields);
  const received = new Map<string, number>();
  const counting = (worker: { handle: (body: unknown, d?: { messageId?: string }) => Promise<unknown> }) => ({
    handle: async (body: unknown, delivery?: { messageId?: string }) => {
      const key = JSON.stringify(body);
      received.set(key, (received.get(key) ?? 0) + 1);
      return worker.handle(body, delivery);
    },
  });

  async function drained(): Promise<void> {
    // Polls the queue's own count (no timing threshold): the test's timeout is the only limit.
    while (queue.depth() > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  it('records and acknowledges an invalid body, unknown names and a missing artifact at once; the group runs in order', async () => {
    const garbage = { type: 'launch-missiles', v: 1, correlationId: 'c-garbage' };
    const unknownEnv = job('lock', { env: 'moon', reason: 'x', by: 'eve' });
    const unknownApp = { ...job('unlock', { env: 'staging', by: 'eve' }), app: 'nope' };
    const missing = job('ingest', { version: '9.9.9', artifactKey: 'uploads/hello/none', uploadedBy: 'ci' });
    await send('lock', job('lock', { env: 'staging', reason: 'poison test', by: 'alice' }));
    await send('garbage', garbage);
    await send('unknown-env', unknownEnv);
    await send('unlock', job('unlock', { env: 'staging', by: 'alice' }));
    await send('unknown-app', unknownApp);
    await send('missing-artifact', missing);
    await send('lock-prod', job('lock', { env: 'production', reason: 'after the poison', by: 'bob' }));

    runner = startLocalRunner({
      worker: counting(h.worker) as never,
      queue,
      logger: silentLogger(),
      idleMs: 1,
      retryAfterSec: 0,
    });
    await drained();

    expect(h.notifications.filter((n) => n.kind === 'info').map((n) => n.text)).toEqual([
      'hello/staging locked by alice: "poison test"',
      'hello/staging unlocked by alice',
      'hello/production locked by bob: "after the poison"',
    ]);
    expect([...received.values()].every((n) => n === 1)).toBe(true); // nothing was retried
    expect(await queue.deadLetters()).toEqual([]);
    // All at one instant on the fake clock: compare in idempotency-key order (job-1, job-2, …).
    const order = [garbage, unknownEnv, unknownApp, missing].map((b) => b.correlationId);
    const failed = (await listFailedJobs(h.deps.state)).sort(
      (a, b) => order.indexOf(a.correlationId ?? '') - order.indexOf(b.correlationId ?? ''),
    );
    expect(failed.map((f) => [f.errorName, f.correlationId, f.reason, f.body])).toEqual([
      ['InvalidJobError', 'c-garbage', 'permanent', garbage],
      ['UnknownNameError', unknownEnv.correlationId, 'permanent', unknownEnv],
      ['UnknownNameError', unknownApp.correlationId, 'permanent', unknownApp],
      ['ArtifactNotFoundError', missing.correlationId, 'permanent', missing],
    ]);
    expect(failed[0]?.error).toMatch(/type/);
    expect(failed[1]?.error).toContain('unknown environment "moon"');
    expect(failed[2]?.error).toContain('unknown app "nope"');
    expect(failed[3]?.error).toContain('uploads/hello/none');
    expect(failed[0]?.messageId).toBeTruthy();
  });

  it('retries a job that fails a few times and then succeeds, without recording it as failed', async () => {
    let failures = 0;
    const flaky = {
      handle: async (body: unknown) => {
        if (failures++ < 2) throw new Error('transient: state store unavailable');
        return h.worker.handle(body);
      },
    };
    await send('lock', job('lock', { env: 'staging', reason: 'flaky', by: 'carol' }));
    runner = startLocalRunner({ worker: flaky as never, queue, logger: silentLogger(), idleMs: 1, retryAfterSec: 0 });
    await drained();
    expect(failures).toBe(3);
    expect(h.notifications.map((n) => n.text)).toEqual(['hello/staging locked by carol: "flaky"']);
    expect(await queue.deadLetters()).toEqual([]);
    expect(await listFailedJobs(h.deps.state)).toEqual([]);
  });

  it(`gives up on a job after ${MAX_ATTEMPTS} failed runs with its last error, in order; the group goes on`, async () => {
    const worker = createWorker({ ...h.deps, artifacts: throttled(h.deps.artifacts) });
    const ingest = await h.upload('1.0.0', 'release bytes');
    await send('ingest', ingest);
    await send('lock', job('lock', { env: 'staging', reason: 'after the retries', by: 'dan' }));
    runner = startLocalRunner({
      worker: counting(worker) as never,
      queue,
      logger: silentLogger(),
      idleMs: 1,
      retryAfterSec: 0,
    });
    await drained();
    expect(received.get(JSON.stringify(ingest))).toBe(MAX_ATTEMPTS);
    expect(h.notifications.filter((n) => n.kind === 'info').map((n) => n.text)).toEqual([
      'hello/staging locked by dan: "after the retries"',
    ]);
    const [failed, ...more] = await listFailedJobs(h.deps.state);
    expect(more).toEqual([]);
    expect(failed).toMatchObject({ errorName: 'AttemptsExhaustedError', reason: 'attempts', attempts: MAX_ATTEMPTS });
    expect(failed?.error).toContain('SlowDown');
    expect(await queue.deadLetters()).toEqual([]);
  });
});

/** An SQS FIFO record as Lambda's event source delivers it. */
function record(n: number, body: unknown, receiveCount = 1): SQSRecord {
  return {
    messageId: `m-${n}`,
    receiptHandle: `r-${n}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '1893456000000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1893456000100',
      SequenceNumber: String(n),
      MessageGroupId: GROUP,
      MessageDeduplicationId: `d-${n}`,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:tarmac-jobs.fifo',
    awsRegion: 'eu-west-1',
  };
}

describe('worker Lambda handler (Powertools FIFO processor): messages that can never succeed', () => {
  let h: ReturnType<typeof workerHarness>;
  beforeEach(() => {
    h = workerHarness();
  });
  afterEach(() => h.close());
  const job = (type: string, fields: Record<string, unknown>) => h.job(type as never, fields);

  it('deletes a poison record ahead of valid ones and runs them in the same batch', async () => {
    const handler = sqsJobHandler((body, meta) => h.worker.handle(body, { messageId: meta.messageId }).then(() => {}));
    const result = await handler({
      Records: [
        record(1, 'not json at all'),
        record(2, job('lock', { env: 'staging', reason: 'behind the poison', by: 'alice' })),
        record(3, { ...job('unlock', { env: 'staging', by: 'alice' }), app: 'nope' }),
        record(4, job('unlock', { env: 'staging', by: 'alice' })),
      ],
    });
    expect(result.batchItemFailures).toEqual([]);
    expect(h.notifications.filter((n) => n.kind === 'info').map((n) => n.text)).toEqual([
      'hello/staging locked by alice: "behind the poison"',
      'hello/staging unlocked by alice',
    ]);
    // Same instant on the fake clock: order by error name.
    const failed = (await listFailedJobs(h.deps.state)).sort((a, b) => a.errorName.localeCompare(b.errorName));
    expect(failed.map((f) => [f.id, f.errorName])).toEqual([
      ['m-1', 'InvalidJobError'],
      [expect.stringMatching(/^job-/), 'UnknownNameError'],
    ]);
    expect(failed[0]?.body).toBe('not json at all');
  });

  it('redelivers the followers of a failing record unrun, and runs them once the worker gives up on it', async () => {
    const worker = createWorker({ ...h.deps, artifacts: throttled(h.deps.artifacts) });
    const handler = sqsJobHandler((body, meta) => worker.handle(body, { messageId: meta.messageId }).then(() => {}));
    const ingest = await h.upload('1.0.0', 'release bytes');
    const lock = job('lock', { env: 'staging', reason: 'behind a failing ingest', by: 'erin' });
    const failures: string[][] = [];
    // SQS counts the follower's receives with the head's: after MAX_ATTEMPTS batches it has as many.
    for (let receive = 1; receive <= MAX_ATTEMPTS; receive++) {
      const result = await handler({ Records: [record(1, ingest, receive), record(2, lock, receive)] });
      failures.push(result.batchItemFailures.map((f) => f.itemIdentifier));
    }
    expect(failures).toEqual([...Array(MAX_ATTEMPTS - 1).fill(['m-1', 'm-2']), []]);
    expect(h.notifications.filter((n) => n.kind === 'info').map((n) => n.text)).toEqual([
      'hello/staging locked by erin: "behind a failing ingest"',
    ]);
    const [failed] = await listFailedJobs(h.deps.state);
    expect(failed).toMatchObject({ id: ingest.idempotencyKey, reason: 'attempts', attempts: MAX_ATTEMPTS });
  });
});

describe('worker: a job given up is counted for the FailedJobs alarm', () => {
  it('logs one line in CloudWatch embedded metric format, with the correlation id and error', async () => {
    const h = workerHarness();
    try {
      const lines: string[] = [];
      const stream = new PassThrough();
      stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
      const worker = createWorker({ ...h.deps, logger: createLogger({ destination: stream }) });
      await worker.handle({ ...h.job('lock', { env: 'moon', reason: 'x', by: 'eve' }), correlationId: 'corr-emf' });
      const given = lines.map((l) => JSON.parse(l)).find((l) => l.event === 'job.given_up');
      expect(given).toMatchObject({ correlationId: 'corr-emf', reason: 'permanent', [FAILED_JOBS_METRIC.name]: 1 });
      expect(given.error).toContain('unknown environment "moon"');
      expect(given._aws.CloudWatchMetrics).toEqual([
        { Namespace: 'Tarmac', Dimensions: [[]], Metrics: [{ Name: 'FailedJobs', Unit: 'Count' }] },
      ]);
      expect(typeof given._aws.Timestamp).toBe('number');
    } finally {
      h.close();
    }
  });
});
