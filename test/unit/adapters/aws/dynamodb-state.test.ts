import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoStateStore } from '../../../../functions/adapters/aws/dynamodb-state';
import { ConcurrentChangeError } from '../../../../functions/core/errors';
import { FakeClock } from '../../../support/fake-clock';

const client = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
);
const dynamo = mockClient(client);
const clock = new FakeClock('2030-01-01T00:00:00.000Z');
const NOW = Date.parse('2030-01-01T00:00:00.000Z') / 1000;
const state = new DynamoStateStore({ table: 'tarmac', client, clock });
const key = { pk: 'dedup', sk: 'github#abc' };
const conditionFailed = () =>
  Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

beforeEach(() => dynamo.reset());

describe('DynamoStateStore requests', () => {
  it('creates only when absent (or expired), with the TTL in epoch seconds', async () => {
    dynamo.on(PutCommand).resolves({});
    expect(await state.put(key, { at: 'x' }, { expectedVersion: null, ttlSec: 600 })).toBe(1);
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: 'tarmac',
      Item: { pk: 'dedup', sk: 'github#abc', value: '{"at":"x"}', version: 1, expiresAt: NOW + 600 },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
      ExpressionAttributeValues: { ':now': NOW },
    });
  });

  it('compares and sets on the version, and turns a failed condition into ConcurrentChangeError', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    const error = await state.put(key, 'v', { expectedVersion: 4 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentChangeError);
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      Item: { version: 5 },
      ConditionExpression: 'version = :expected AND (attribute_not_exists(expiresAt) OR expiresAt > :now)',
      ExpressionAttributeValues: { ':expected': 4, ':now': NOW },
    });
  });

  it('overwrites with one UpdateItem that bumps the version atomically', async () => {
    dynamo.on(UpdateCommand).resolves({ Attributes: { version: 8 } });
    expect(await state.put(key, [1, 2])).toBe(8);
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      UpdateExpression: 'SET #value = :value, version = if_not_exists(version, :zero) + :one REMOVE expiresAt',
      ConditionExpression: '(attribute_not_exists(expiresAt) OR expiresAt > :now)',
      ExpressionAttributeValues: { ':value': '[1,2]', ':zero': 0, ':one': 1, ':now': NOW },
      ReturnValues: 'UPDATED_NEW',
    });
  });

  it('overwrites an expired leftover as a new item at version 1', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    dynamo.on(PutCommand).resolves({});
    expect(await state.put(key, 'fresh', { ttlSec: 60 })).toBe(1);
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      Item: { value: '"fresh"', version: 1, expiresAt: NOW + 60 },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
    });
  });

  it('passes other DynamoDB errors through untranslated', async () => {
    dynamo
      .on(PutCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(state.put(key, 'v', { expectedVersion: null })).rejects.toThrow('slow down');
  });

  it('reads consistently and hides an item past expiresAt that TTL has not deleted yet', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...key, value: '"v"', version: 1, expiresAt: NOW } });
    expect(await state.get(key)).toBeUndefined();
    expect(dynamo.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: 'tarmac',
      Key: key,
      ConsistentRead: true,
    });
  });

  it('returns a value stored as a map as it is', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...key, value: { by: 'ana' }, version: 3 } });
    expect(await state.get(key)).toEqual({ ...key, value: { by: 'ana' }, version: 3 });
  });

  it('deletes with a version condition', async () => {
    dynamo.on(DeleteCommand).rejects(conditionFailed());
    await expect(state.delete(key, { expectedVersion: 2 })).rejects.toBeInstanceOf(ConcurrentChangeError);
    expect(dynamo.commandCalls(DeleteCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: 'version = :expected AND (attribute_not_exists(expiresAt) OR expiresAt > :now)',
      ExpressionAttributeValues: { ':expected': 2, ':now': NOW },
    });
  });

  it('queries with begins_with and keeps paging past filtered pages until the limit is met — never a Scan', async () => {
    const item = (sk: string) => ({ pk: 'p', sk, value: `"${sk}"`, version: 1 });
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [item('d#1')], LastEvaluatedKey: { pk: 'p', sk: 'd#2' } })
      .resolvesOnce({ Items: [item('d#3'), item('d#4')], LastEvaluatedKey: { pk: 'p', sk: 'd#4' } });
    const items = await state.query<string>('p', { prefix: 'd#', limit: 3, descending: true });
    expect(items.map((i) => i.value)).toEqual(['d#1', 'd#3', 'd#4']);
    const [first, second] = dynamo.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(first).toEqual({
      TableName: 'tarmac',
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: '(attribute_not_exists(expiresAt) OR expiresAt > :now)',
      ExpressionAttributeValues: { ':pk': 'p', ':now': NOW, ':prefix': 'd#' },
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: 3,
    });
    expect(second).toMatchObject({ Limit: 2, ExclusiveStartKey: { pk: 'p', sk: 'd#2' } });
  });
});
