import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConcurrentChangeError } from '../../core/errors';
import type { Clock, PutStateOptions, QueryOptions, StateItem, StateKey, StateStore } from '../../ports';
import { systemClock } from '../system';
import { isConditionFailure, LIVE, type Row, row, toItem, ttl } from './dynamodb-rows';

export interface DynamoStateStoreOptions {
  readonly table: string;
  /** A document client; @default DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig)) */
  readonly client?: DynamoDBDocumentClient;
  readonly clientConfig?: DynamoDBClientConfig;
  readonly clock?: Clock;
}

/**
 * State in one DynamoDB table: `pk`/`sk` string keys, `value` (a JSON string), `version` (number) and
 * `expiresAt` (epoch seconds, the table's TTL attribute). Every conditional write is one DynamoDB call; a
 * failed condition becomes {@link ConcurrentChangeError}. An expired item counts as absent everywhere.
 */
export class DynamoStateStore implements StateStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly clock: Clock;

  constructor(options: DynamoStateStoreOptions) {
    this.client = options.client ?? DynamoDBDocumentClient.from(new DynamoDBClient(options.clientConfig ?? {}));
    this.table = options.table;
    this.clock = options.clock ?? systemClock;
  }

  async get<T>(key: StateKey): Promise<StateItem<T> | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: true }),
    );
    return Item && this.isLive(Item as Row) ? toItem<T>(Item as Row) : undefined;
  }

  async put<T>(key: StateKey, value: T, options: PutStateOptions = {}): Promise<number> {
    const { expectedVersion } = options;
    const expiresAt = options.ttlSec === undefined ? undefined : this.nowSec() + Math.ceil(options.ttlSec);
    if (expectedVersion === undefined) return this.overwrite(key, value, expiresAt);
    const version = expectedVersion === null ? 1 : expectedVersion + 1;
    const condition =
      expectedVersion === null
        ? { ConditionExpression: `attribute_not_exists(pk) OR expiresAt <= :now`, values: {} }
        : { ConditionExpression: `version = :expected AND ${LIVE}`, values: { ':expected': expectedVersion } };
    await this.guard(key, expectedVersion, () =>
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: row(key, value, version, expiresAt),
          ConditionExpression: condition.ConditionExpression,
          ExpressionAttributeValues: { ':now': this.nowSec(), ...condition.values },
        }),
      ),
    );
    return version;
  }

  async delete(key: StateKey, options: { expectedVersion?: number } = {}): Promise<void> {
    const { expectedVersion } = options;
    const conditional =
      expectedVersion === undefined
        ? {}
        : {
            ConditionExpression: `version = :expected AND ${LIVE}`,
            ExpressionAttributeValues: { ':expected': expectedVersion, ':now': this.nowSec() },
          };
    await this.guard(key, expectedVersion, () =>
      this.client.send(new DeleteCommand({ TableName: this.table, Key: { pk: key.pk, sk: key.sk }, ...conditional })),
    );
  }

  async query<T>(pk: string, options: QueryOptions = {}): Promise<StateItem<T>[]> {
    const items: StateItem<T>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const remaining = options.limit === undefined ? undefined : options.limit - items.length;
      // Limit counts items read before the filter, so a page may come back short: keep paging.
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: options.prefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
          FilterExpression: LIVE,
          ExpressionAttributeValues: {
            ':pk': pk,
            ':now': this.nowSec(),
            ...(options.prefix ? { ':prefix': options.prefix } : {}),
          },
          ScanIndexForward: !options.descending,
          ConsistentRead: true,
          ...(remaining === undefined ? {} : { Limit: remaining }),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) items.push(toItem<T>(item as Row));
      startKey = page.LastEvaluatedKey;
    } while (startKey && (options.limit === undefined || items.length < options.limit));
    return items;
  }

  /**
   * Unconditional write: bump the version of a live item in place; an expired leftover is replaced as if
   * absent (version 1). Each step is conditional, so a racing writer makes us go round again, not lose data.
   */
  private async overwrite(key: StateKey, value: unknown, expiresAt: number | undefined): Promise<number> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const result = await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: key.pk, sk: key.sk },
            UpdateExpression:
              expiresAt === undefined
                ? 'SET #value = :value, version = if_not_exists(version, :zero) + :one REMOVE expiresAt'
                : 'SET #value = :value, version = if_not_exists(version, :zero) + :one, expiresAt = :expiresAt',
            ConditionExpression: LIVE,
            ExpressionAttributeNames: { '#value': 'value' },
            ExpressionAttributeValues: {
              ':value': JSON.stringify(value),
              ':zero': 0,
              ':one': 1,
              ':now': this.nowSec(),
              ...(expiresAt === undefined ? {} : { ':expiresAt': expiresAt }),
            },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return Number(result.Attributes?.version);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      try {
        return await this.put(key, value, { expectedVersion: null, ...ttl(expiresAt, this.nowSec()) });
      } catch (error) {
        if (!(error instanceof ConcurrentChangeError)) throw error;
      }
    }
    throw new ConcurrentChangeError(key, undefined);
  }

  private async guard(key: StateKey, expected: number | null | undefined, write: () => Promise<unknown>) {
    try {
      await write();
    } catch (error) {
      if (isConditionFailure(error)) throw new ConcurrentChangeError(key, expected);
      throw error;
    }
  }

  private isLive(row: Row): boolean {
    return row.expiresAt === undefined || row.expiresAt > this.nowSec();
  }

  private nowSec(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }
}
