import { Duration } from 'aws-cdk-lib';
import type { IServerDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ValidationError } from '../errors';
import { acknowledge } from './nag';
import { baseOf, type TarmacFunctionBase, tarmacFunction } from './tarmac-function';

/** The CodeDeploy notifications tarmac follows instead of polling. */
export const CODEDEPLOY_DETAIL_TYPES = [
  'CodeDeploy Deployment State-change Notification',
  'CodeDeploy Instance State-change Notification',
];

export interface DeployEventsProps extends TarmacFunctionBase {
  /** CodeDeploy application names to follow (`tarmac-<app>`). At least one. */
  readonly applicationNames: readonly string[];
  /** The job queue: events become `deployer-event` jobs in the fleet's group. */
  readonly queue: IQueue;
  /** The state table: which tarmac deployment a CodeDeploy deployment belongs to (read only). */
  readonly table: ITable;
  /** tarmac's deployment groups: the function reads their deployments (rollback links, host results). */
  readonly deploymentGroups: readonly IServerDeploymentGroup[];
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
}

/**
 * CodeDeploy state changes of tarmac's applications (EventBridge rule) → the deploy-events function, which
 * maps each one to a `deployer-event` job on the FIFO job queue (group = the app's fleet, dedup = event id).
 * A function sits between them because an EventBridge FIFO target takes one fixed message group, while tarmac
 * serializes per fleet. Events that cannot be delivered or handled land in a failed-events queue.
 */
export class DeployEvents extends Construct {
  readonly function: IFunction;
  readonly rule: Rule;
  readonly failedEvents: IQueue;

  constructor(scope: Construct, id: string, props: DeployEventsProps) {
    super(scope, id);
    if (props.applicationNames.length === 0) {
      throw new ValidationError(
        'applicationNames is empty (given 0 names) — the rule would match no CodeDeploy event',
        this,
      );
    }
    const failedEvents = new Queue(this, 'FailedEvents', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(failedEvents, 'SQS3', 'This queue is itself the dead-letter queue of the rule and the function.');
    const fn = tarmacFunction(this, 'Function', {
      ...baseOf(props),
      entry: 'functions/handlers/deploy-events.ts',
      description: 'tarmac deploy events: CodeDeploy state changes to deployer-event jobs',
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: 256,
      deadLetterQueue: failedEvents,
    });
    props.queue.grantSendMessages(fn);
    props.table.grantReadData(fn);
    // GetDeployment tells CodeDeploy's own rollback deployments apart; the targets give a failure's hook and log.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'codedeploy:GetDeployment',
          'codedeploy:ListDeploymentTargets',
          'codedeploy:BatchGetDeploymentTargets',
        ],
        resources: props.deploymentGroups.map((g) => g.deploymentGroupArn),
      }),
    );
    // Async invocations that fail every retry are kept, not dropped.
    fn.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6) });
    this.rule = new Rule(this, 'Rule', {
      description: 'CodeDeploy deployment and instance state changes of tarmac applications',
      eventPattern: {
        source: ['aws.codedeploy'],
        detailType: CODEDEPLOY_DETAIL_TYPES,
        detail: { application: [...props.applicationNames] },
      },
      targets: [
        new LambdaFunction(fn, { deadLetterQueue: failedEvents, retryAttempts: 8, maxEventAge: Duration.hours(6) }),
      ],
    });
    this.function = fn;
    this.failedEvents = failedEvents;
  }
}
