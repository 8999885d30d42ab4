import { randomBytes } from 'node:crypto';
import { TarmacError } from '../../core/errors';
import type { Clock, DeadLetter, Ids, JobQueue, OutgoingMessage, ReceivedMessage } from '../../ports';
import { randomIds, systemClock } from '../system';
import { GroupCommit } from './group-commit';
import { checkMessage, checkReceive, checkSeconds } from './queue-checks';
import { openSqlite, type SqliteDatabase, type SqliteOptions } from './sqlite';
import { QUEUE_SCHEMA, type QueueStatements, queueStatements, type Row } from './sqlite-queue-sql';

export interface SqliteQueueOptions extends SqliteOptions {
  /** @default systemClock */
  readonly clock?: Clock;
  /** Message ids. @default randomIds(clock) */
  readonly ids?: Ids;
  /** Deliveries before a message that is failed (or times out) again is dead-lettered. @default 5 */
  readonly maxReceives?: number;
}

const DEDUP_WINDOW_MS = 5 * 60_000;

/**
 * A durable FIFO queue in one SQLite file with SQS FIFO semantics: per-group order, one message in flight per
 * group, visibility timeout, receive count, a dead-letter table and a 5-minute deduplication window. Several
 * processes may share the file: every read-then-write runs in a `BEGIN IMMEDIATE` transaction.
 */
export class SqliteQueue implements JobQueue {
  private readonly db: SqliteDatabase;
  private readonly sql: QueueStatements;
  private readonly tx;
  private readonly commits: GroupCommit;
  private readonly clock: Clock;
  private readonly ids: Ids;
  private readonly maxReceives: number;
  private nextPurgeMs = 0;

  constructor(file: string, options: SqliteQueueOptions = {}) {
    const maxReceives = options.maxReceives ?? 5;
    if (!Number.isInteger(maxReceives) || maxReceives < 1) {
      throw new TarmacError(`maxReceives must be a whole number ≥ 1 (given ${maxReceives})`, { maxReceives });
    }
    this.maxReceives = maxReceives;
    this.clock = options.clock ?? systemClock;
    this.ids = options.ids ?? randomIds(this.clock);
    this.db = openSqlite(file, options);
    this.db.exec(QUEUE_SCHEMA);
    this.sql = queueStatements(this.db);
    // Sends of one event-loop turn (concurrent webhooks) share one commit.
    this.commits = new GroupCommit(this.db);
    // Transactions are wrapped once; `.immediate()` takes the write lock before the first read, so two
    // processes can never both see the same head as visible.
    this.tx = {
      receive: this.db.transaction((max: number, visibilityMs: number) => this.receiveHeads(max, visibilityMs)),
      fail: this.db.transaction((receipt: string, error: string, ms: number) => this.failOne(receipt, error, ms)),
    };
  }

  async send(message: OutgoingMessage): Promise<{ id: string }> {
    const body = JSON.stringify(message.body);
    checkMessage(message, body);
    return this.commits.run(() => this.sendOne(message, body));
  }

  /** Dedup lookup, insert and dedup record, inside the group's write transaction. */
  private sendOne(message: OutgoingMessage, body: string): { id: string } {
    const now = this.clock.now().getTime();
    if (now >= this.nextPurgeMs) {
      this.sql.purgeDedup.run(now);
      this.nextPurgeMs = now + 60_000;
    }
    const seen = this.sql.findDedup.get(message.dedupKey, now) as { id: string } | undefined;
    if (seen) return { id: seen.id };
    const id = this.ids.next();
    this.sql.insert.run(id, message.group, message.dedupKey, body, now, now);
    this.sql.upsertDedup.run(message.dedupKey, id, now + DEDUP_WINDOW_MS);
    return { id };
  }

  async receive(options: { max: number; visibilityTimeoutSec: number }): Promise<ReceivedMessage[]> {
    checkReceive(options);
    return this.tx.receive.immediate(options.max, options.visibilityTimeoutSec * 1000);
  }

  /** Deliver the visible head of up to `max` groups; heads past the receive limit are dead-lettered first. */
  private receiveHeads(max: number, visibilityMs: number): ReceivedMessage[] {
    const now = this.clock.now().getTime();
    const out: ReceivedMessage[] = [];
    for (;;) {
      const heads = this.sql.visibleHeads.all(now, max - out.length) as Row[];
      let deadLettered = false;
      for (const row of heads) {
        if (row.receive_count >= this.maxReceives) {
          const why = row.last_error ?? `not acknowledged within its visibility timeout`;
          this.deadLetter(row, `${why} (after ${row.receive_count} receives)`, now);
          deadLettered = true;
          continue;
        }
        const token = randomBytes(18).toString('base64url');
        this.sql.markReceived.run(now + visibilityMs, token, row.seq);
        out.push(toReceived(row, `${row.seq}.${token}`));
      }
      // A dead-lettered head uncovers the next message of its group: look again, in the same transaction.
      if (!deadLettered || out.length >= max) return out;
    }
  }

  /**
   * Delete a delivered message. A receipt from an earlier delivery (the message has been received again since)
   * does nothing: the newer delivery owns the message.
   */
  async ack(receipt: string): Promise<void> {
    const handle = parseReceipt(receipt);
    if (handle) this.sql.deleteByReceipt.run(handle.seq, handle.token);
  }

  async fail(receipt: string, error: string, options: { retryAfterSec?: number } = {}): Promise<void> {
    const retryAfterSec = options.retryAfterSec ?? 0;
    checkSeconds('retryAfterSec', retryAfterSec);
    this.tx.fail.immediate(receipt, error, retryAfterSec * 1000);
  }

  private failOne(receipt: string, error: string, retryAfterMs: number): void {
    const handle = parseReceipt(receipt);
    const row = handle && (this.sql.findByReceipt.get(handle.seq, handle.token) as Row | undefined);
    if (!row) return;
    const now = this.clock.now().getTime();
    if (row.receive_count >= this.maxReceives) this.deadLetter(row, error, now);
    else this.sql.release.run(now + retryAfterMs, error, row.seq);
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const rows = this.sql.deadLetters.all() as (Row & { error: string; failed_at: number })[];
    return rows.map((row) => ({
      id: row.id,
      group: row.grp,
      body: JSON.parse(row.body),
      error: row.error,
      receiveCount: row.receive_count,
      failedAt: new Date(row.failed_at).toISOString(),
    }));
  }

  /**
   * Make every message in flight visible again at once (their receipts stop working). Only for the one
   * process that works this queue, taking over from a worker that died: its deliveries will never be acked,
   * and waiting out their visibility timeout would hold up their whole group. Returns how many were released.
   */
  releaseInFlight(): number {
    return this.db
      .prepare('UPDATE messages SET visible_at = ?, receipt = NULL WHERE receipt IS NOT NULL AND visible_at > ?')
      .run(this.clock.now().getTime(), this.clock.now().getTime()).changes;
  }

  /** Messages not yet acknowledged or dead-lettered, in flight or not (for status pages and tests). */
  depth(): number {
    return (this.sql.depth.get() as { n: number }).n;
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

  private deadLetter(row: Row, error: string, now: number): void {
    this.sql.insertDeadLetter.run(row.id, row.grp, row.dedup_key, row.body, error, row.receive_count, now);
    this.sql.deleteBySeq.run(row.seq);
  }
}

/** `<seq>.<token>`: the sequence number finds the row by primary key, the token proves the delivery is current. */
function parseReceipt(receipt: string): { seq: number; token: string } | undefined {
  const dot = receipt.indexOf('.');
  const seq = Number(receipt.slice(0, dot));
  return dot > 0 && Number.isSafeInteger(seq) ? { seq, token: receipt.slice(dot + 1) } : undefined;
}

function toReceived(row: Row, receipt: string): ReceivedMessage {
  return {
    id: row.id,
    group: row.grp,
    dedupKey: row.dedup_key,
    body: JSON.parse(row.body),
    receiveCount: row.receive_count + 1,
    receipt,
  };
}
