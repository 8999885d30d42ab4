import type { PutStateOptions, StateItem, StateKey } from '../../ports';

// How DynamoStateStore lays out items: `value` as a JSON string, `version`, `expiresAt` in epoch seconds.

/** An item as stored. */
export interface Row {
  pk: string;
  sk: string;
  value: unknown;
  version: number;
  expiresAt?: number;
}

/** True for items that have not expired: DynamoDB's TTL deletes lazily (up to days later), so reads must filter. */
export const LIVE = '(attribute_not_exists(expiresAt) OR expiresAt > :now)';

/** The item to write for a key. */
export function row(key: StateKey, value: unknown, version: number, expiresAt: number | undefined): Row {
  const base = { pk: key.pk, sk: key.sk, value: JSON.stringify(value), version };
  return expiresAt === undefined ? base : { ...base, expiresAt };
}

/** Put options that keep an absolute expiry (epoch seconds) when a write is retried. */
export function ttl(expiresAt: number | undefined, now: number): Pick<PutStateOptions, 'ttlSec'> {
  return expiresAt === undefined ? {} : { ttlSec: expiresAt - now };
}

/** `value` is written as a JSON string; a map (written by hand or an older writer) is returned as is. */
export function toItem<T>(item: Row): StateItem<T> {
  const value = typeof item.value === 'string' ? JSON.parse(item.value) : item.value;
  return { pk: item.pk, sk: item.sk, value: value as T, version: Number(item.version) };
}

/** DynamoDB refused a conditional write: the item was not in the expected state. */
export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}
