import type { SqliteDatabase } from './sqlite';

/**
 * Tables of the local queue. `seq` orders messages (within a group, by send); `visible_at` (ms) hides a
 * message in flight or waiting to be retried; `receipt` is the secret part of the current delivery's handle
 * (`<seq>.<receipt>`). A group's deliverable message is always its lowest `seq`, so a hidden head blocks its
 * group: one in flight per group, in order. Few indexes on purpose: every b-tree a send touches is another page
 * in the write-ahead log on the webhook path.
 */
export const QUEUE_SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  grp TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  body TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  receive_count INTEGER NOT NULL DEFAULT 0,
  receipt TEXT,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS messages_by_group ON messages (grp, seq);
CREATE TABLE IF NOT EXISTS dedup (
  dedup_key TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dedup_by_expiry ON dedup (expires_at);
CREATE TABLE IF NOT EXISTS dead_letters (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  grp TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  body TEXT NOT NULL,
  error TEXT NOT NULL,
  receive_count INTEGER NOT NULL,
  failed_at INTEGER NOT NULL
);
`;

/** A row of `messages` as the statements return it. */
export interface Row {
  readonly seq: number;
  readonly id: string;
  readonly grp: string;
  readonly dedup_key: string;
  readonly body: string;
  readonly receive_count: number;
  readonly last_error: string | null;
}

const COLUMNS = 'm.seq, m.id, m.grp, m.dedup_key, m.body, m.receive_count, m.last_error';

/** Statements prepared once per queue: `send` on the webhook path must not re-parse SQL. */
export function queueStatements(db: SqliteDatabase) {
  return {
    purgeDedup: db.prepare('DELETE FROM dedup WHERE expires_at <= ?'),
    findDedup: db.prepare('SELECT id FROM dedup WHERE dedup_key = ? AND expires_at > ?'),
    upsertDedup: db.prepare(
      `INSERT INTO dedup (dedup_key, id, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (dedup_key) DO UPDATE SET id = excluded.id, expires_at = excluded.expires_at`,
    ),
    insert: db.prepare(
      'INSERT INTO messages (id, grp, dedup_key, body, sent_at, visible_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    // Each group's head by a skip-scan of messages_by_group: O(groups × log n), not a scan of every message,
    // so a worker polling a deep backlog costs the intake (same process, same thread) next to nothing.
    visibleHeads: db.prepare(
      `WITH RECURSIVE groups(grp) AS (
         SELECT MIN(grp) FROM messages
         UNION ALL
         SELECT (SELECT MIN(grp) FROM messages WHERE grp > groups.grp) FROM groups WHERE groups.grp IS NOT NULL
       )
       SELECT ${COLUMNS} FROM groups g
       JOIN messages m ON m.seq = (SELECT MIN(seq) FROM messages WHERE grp = g.grp)
       WHERE g.grp IS NOT NULL AND m.visible_at <= ? ORDER BY m.seq LIMIT ?`,
    ),
    markReceived: db.prepare(
      'UPDATE messages SET receive_count = receive_count + 1, visible_at = ?, receipt = ? WHERE seq = ?',
    ),
    findByReceipt: db.prepare(`SELECT ${COLUMNS} FROM messages m WHERE m.seq = ? AND m.receipt = ?`),
    depth: db.prepare('SELECT COUNT(*) AS n FROM messages'),
    deleteByReceipt: db.prepare('DELETE FROM messages WHERE seq = ? AND receipt = ?'),
    deleteBySeq: db.prepare('DELETE FROM messages WHERE seq = ?'),
    release: db.prepare('UPDATE messages SET visible_at = ?, receipt = NULL, last_error = ? WHERE seq = ?'),
    insertDeadLetter: db.prepare(
      `INSERT INTO dead_letters (id, grp, dedup_key, body, error, receive_count, failed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    deadLetters: db.prepare(
      'SELECT id, grp, dedup_key, body, error, receive_count, failed_at FROM dead_letters ORDER BY seq',
    ),
  };
}

export type QueueStatements = ReturnType<typeof queueStatements>;
