import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** The attribute DynamoDB reads to expire dedup and idempotency records (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';

export interface StateTableProps {
  /**
   * Keep the table (and its data) when the stack is deleted. Only turn off for throwaway test stacks.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * tarmac's single table: releases, environments, locks, deployments and dedup keys under string `pk`/`sk`,
 * on-demand, encrypted, with point-in-time recovery and TTL on `expiresAt`.
 */
export class StateTable extends Construct {
  readonly table: ITable;

  constructor(scope: Construct, id: string, props: StateTableProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
