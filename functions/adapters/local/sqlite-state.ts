import { ConcurrentChangeError } from '../../core/errors';
import type { Clock, PutStateOptions, QueryOptions, StateItem, StateKey, StateStore } from '../../ports';
import { systemClock } from '../system';
import { GroupCommit } from './group-commit';
import { openSqlite, type SqliteDatabase, type SqliteOptions } from './sqlite';

export interface SqliteStateStoreOptions extends SqliteOptions {
  /** Decides what has expired. @default systemClock */
  readonly clock?: Clock;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS items (
  pk TEXT NOT NULL,
  sk TEXT NOT NULL,
  value TEXT NOT NULL,
  version INTEGER NOT NULL,
  expires_at INTEGER,
  PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS items_by_expiry ON items (expires_at) WHERE expires_at IS NOT NULL;
`;

/** An item that is absent or expired: what a create-only write may replace. */
const GONE = 'items.expires_at IS NOT NULL AND items.expires_at <= :now';
const LIVE = '(expires_at IS NULL OR expires_at > :now)';

interface ItemRow {
  readonly pk: string;
  readonly sk: string;
  readonly value: string;
  readonly version: number;
}

/**
 * DynamoDB-shaped state in one SQLite file. Every conditional write is a single SQL statement (an upsert or
 * update guarded by the version), so two processes sharing the file cannot both win a compare-and-set.
 * Expired items are treated as absent everywhere, and deleted lazily.
 */
export class SqliteStateStore implements StateStore {
  private readonly db: SqliteDatabase;
  private readonly clock: Clock;
  private readonly sql;
  private readonly commits: GroupCommit;
  private nextPurgeMs = 0;

  constructor(file: string, options: SqliteStateStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.db = openSqlite(file, options);
    this.db.exec(SCHEMA);
    const db = this.db;
    // Writes of one event-loop turn (concurrent webhooks' claims, the worker's records) share one commit.
    this.commits = new GroupCommit(db);
    const fields = '(pk, sk, value, version, expires_at) VALUES (:pk, :sk, :value, 1, :expires)';
    this.sql = {
      get: db.prepare(`SELECT pk, sk, value, version FROM items WHERE pk = :pk AND sk = :sk AND ${LIVE}`),
      create: db.prepare(
        `INSERT INTO items ${fields} ON CONFLICT (pk, sk) DO UPDATE
         SET value = :value, version = 1, expires_at = :expires WHERE ${GONE} RETURNING version`,
      ),
      put: db.prepare(
        `INSERT INTO items ${fields} ON CONFLICT (pk, sk) DO UPDATE
         SET value = :value, version = CASE WHEN ${GONE} THEN 1 ELSE items.version + 1 END, expires_at = :expires
         RETURNING version`,
      ),
      update: db.prepare(
        `UPDATE items SET value = :value, version = version + 1, expires_at = :expires
         WHERE pk = :pk AND sk = :sk AND version = :expected AND ${LIVE} RETURNING version`,
      ),
      deleteIf: db.prepare(`DELETE FROM items WHERE pk = :pk AND sk = :sk AND version = :expected AND ${LIVE}`),
      delete: db.prepare('DELETE FROM items WHERE pk = :pk AND sk = :sk'),
      purge: db.prepare('DELETE FROM items WHERE expires_at <= :now'),
      queryAsc: db.prepare(queryText('ASC')),
      queryDesc: db.prepare(queryText('DESC')),
    };
  }

  async get<T>(key: StateKey): Promise<StateItem<T> | undefined> {
    const row = this.sql.get.get({ ...pick(key), now: this.now() }) as ItemRow | undefined;
    return row && toItem<T>(row);
  }

  async put<T>(key: StateKey, value: T, options: PutStateOptions = {}): Promise<number> {
    const json = JSON.stringify(value);
    return this.commits.run(() => this.putNow(key, json, options));
  }

  private putNow(key: StateKey, value: string, options: PutStateOptions): number {
    const now = this.now();
    const params = {
      ...pick(key),
      now,
      value,
      expires: options.ttlSec === undefined ? null : now + options.ttlSec * 1000,
    };
    if (now >= this.nextPurgeMs) this.purgeExpired();
    const { expectedVersion } = options;
    const row = (
      expectedVersion === undefined
        ? this.sql.put.get(params)
        : expectedVersion === null
          ? this.sql.create.get(params)
          : this.sql.update.get({ ...params, expected: expectedVersion })
    ) as { version: number } | undefined;
    if (!row) throw new ConcurrentChangeError(pick(key), expectedVersion);
    return row.version;
  }

  async delete(key: StateKey, options: { expectedVersion?: number } = {}): Promise<void> {
    return this.commits.run(() => this.deleteNow(key, options));
  }

  private deleteNow(key: StateKey, options: { expectedVersion?: number }): void {
    if (options.expectedVersion === undefined) {
      this.sql.delete.run(pick(key));
      return;
    }
    const result = this.sql.deleteIf.run({ ...pick(key), now: this.now(), expected: options.expectedVersion });
    if (result.changes === 0) throw new ConcurrentChangeError(pick(key), options.expectedVersion);
  }

  async query<T>(pk: string, options: QueryOptions = {}): Promise<StateItem<T>[]> {
    const statement = options.descending ? this.sql.queryDesc : this.sql.queryAsc;
    const rows = statement.all({ pk, prefix: options.prefix ?? '', now: this.now(), limit: options.limit ?? -1 });
    return (rows as ItemRow[]).map((row) => toItem<T>(row));
  }

  /** Delete every expired item now (reads already hide them; writes do this at most once a minute). */
  purgeExpired(): number {
    const now = this.now();
    this.nextPurgeMs = now + 60_000;
    return this.sql.purge.run({ now }).changes;
  }

  /**
   * Log pages after which a commit checkpoints inline (SQLite's default 1000; 0: never). Raised when a
   * checkpointer thread (`checkpointer.ts`) does the work, so almost no request waits for one.
   */
  autoCheckpoint(pages: number): void {
    this.db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(pages))}`);
  }

  close(): void {
    this.commits.flush();
    this.db.close();
  }

  private now(): number {
    return this.clock.now().getTime();
  }
}

/** Prefix match by range start plus an exact `substr` test: no LIKE, so `%` and `_` in keys are plain text. */
function queryText(order: 'ASC' | 'DESC'): string {
  return `SELECT pk, sk, value, version FROM items
    WHERE pk = :pk AND sk >= :prefix AND substr(sk, 1, length(:prefix)) = :prefix AND ${LIVE}
    ORDER BY sk ${order} LIMIT :limit`;
}

function pick(key: StateKey): StateKey {
  return { pk: key.pk, sk: key.sk };
}

function toItem<T>(row: ItemRow): StateItem<T> {
  return { pk: row.pk, sk: row.sk, value: JSON.parse(row.value) as T, version: row.version };
}
