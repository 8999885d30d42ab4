import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

export interface SqliteOptions {
  /**
   * `FULL` fsyncs the write-ahead log on every commit: a committed write survives a power cut.
   * `NORMAL` survives a crash of the process (the WAL is in the OS page cache) but not of the machine.
   * @default 'FULL'
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** How long a writer waits for another process's write lock before failing with SQLITE_BUSY. @default 5000 */
  readonly busyTimeoutMs?: number;
}

/**
 * Open (creating it and its directory if needed) a SQLite database for several processes at once: WAL
 * journal (readers never block the writer), a busy timeout (writers queue instead of failing), and
 * `synchronous=FULL` unless the caller trades power-cut durability for latency.
 */
export function openSqlite(file: string, options: SqliteOptions = {}): SqliteDatabase {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  ownerOnly(file);
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * The databases hold Slack response_urls and who asked for what: owner-only. The file is created 0600
 * before SQLite opens it, because SQLite creates `-wal` and `-shm` with the database file's permissions;
 * files left 0644 by an older tarmac are tightened too.
 */
function ownerOnly(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
}
