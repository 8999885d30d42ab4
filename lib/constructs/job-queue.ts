import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IAlarm, Metric, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ValidationError } from '../errors';
import { acknowledge } from './nag';

/** Lambda's rule for SQS event sources: the visibility timeout must cover six runs of the consumer. */
export const VISIBILITY_FACTOR = 6;

export interface JobQueueProps {
  /** Timeout of the function that consumes the queue (the worker). */
  readonly consumerTimeout: Duration;
  /**
   * How long a received job stays hidden. Must be at least 6 × `consumerTimeout`.
   * @default 6 × consumerTimeout
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Receives before a job moves to the dead-letter queue: a backstop only. The worker gives up on a job
   * after 5 runs of its own (functions/worker/once.ts) and records it; SQS also counts the receives a job
   * spends behind a failing one in a FIFO batch, so a low limit would dead-letter jobs that never ran.
   * @default 50
   */
  readonly maxReceiveCount?: number;
}

/**
 * The job queue: SQS FIFO (tarmac sets deduplication ids itself, so content-based dedup is off), a FIFO
 * dead-letter queue, SSE, TLS only, an alarm as soon as one job is dead-lettered and one as soon as the
 * worker gives up on a job.
 */
export class JobQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** In alarm when the dead-letter queue holds at least one job. */
  readonly deadLetterAlarm: IAlarm;
  /** In alarm when the worker gave up on a job (its `FailedJobs` metric, from its log lines). */
  readonly failedJobsAlarm: IAlarm;

  constructor(scope: Construct, id: string, props: JobQueueProps) {
    super(scope, id);
    const minimum = props.consumerTimeout.toSeconds() * VISIBILITY_FACTOR;
    const visibilityTimeout = props.visibilityTimeout ?? Duration.seconds(minimum);
    if (visibilityTimeout.toSeconds() < minimum) {
      throw new ValidationError(
        `visibility timeout ${visibilityTimeout.toSeconds()} s is less than ${VISIBILITY_FACTOR} × the worker timeout ` +
          `${props.consumerTimeout.toSeconds()} s (${minimum} s) — raise visibilityTimeout or lower the worker timeout`,
        this,
      );
    }
    const maxReceiveCount = props.maxReceiveCount ?? 50;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new ValidationError(`maxReceiveCount must be an integer from 1 to 1000 (given ${maxReceiveCount})`, this);
    }
    const common = { fifo: true, encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true };
    this.deadLetterQueue = new Queue(this, 'DeadLetters', { ...common, retentionPeriod: Duration.days(14) });
    acknowledge(this.deadLetterQueue, 'SQS3', 'This queue is the dead-letter queue of the job queue.');
    this.queue = new Queue(this, 'Queue', {
      ...common,
      contentBasedDeduplication: false,
      visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: 'A tarmac job failed every delivery and is in the dead-letter queue — read it, fix, redrive.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.failedJobsAlarm = new Alarm(this, 'FailedJobsAlarm', {
      alarmDescription:
        'The tarmac worker gave up on a job (it can never succeed, or failed on every run) and acknowledged it — tarmac status lists it with its error and correlation id.',
      // Embedded metric format lines of the worker (functions/worker/give-up.ts FAILED_JOBS_METRIC).
      metric: new Metric({
        namespace: 'Tarmac',
        metricName: 'FailedJobs',
        statistic: Stats.SUM,
        period: Duration.minutes(1),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
