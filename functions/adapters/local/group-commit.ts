import type { SqliteDatabase } from './sqlite';

interface Pending {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for one SQLite connection: writes asked for during one turn of the event loop run in a single
 * `BEGIN IMMEDIATE` transaction, each in a savepoint of its own, and every caller's promise settles only after
 * that transaction has committed. Concurrent requests then share one commit (one WAL append, the touched pages
 * written once) instead of paying one each, and an answer still means the write is in the database.
 *
 * A write that throws rolls back its own savepoint and rejects only its caller; a failing commit rejects all.
 */
export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly flushAll;

  constructor(db: SqliteDatabase) {
    const one = db.transaction((work: () => unknown) => work());
    this.flushAll = db.transaction((batch: Pending[]) =>
      batch.map((item) => {
        try {
          // Nested: a savepoint, so a failed write undoes only itself.
          return { ok: true as const, value: one(item.work) };
        } catch (error) {
          return { ok: false as const, error };
        }
      }),
    );
  }

  /** Run `work` (synchronous SQLite statements) in the next group transaction; resolves once it committed. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After this turn's I/O callbacks: every request parsed in this turn joins the same transaction.
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Commit what is pending now (before closing the database; the scheduled turn then finds nothing). */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    let results: ReturnType<typeof this.flushAll>;
    try {
      results = this.flushAll.immediate(batch);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    results.forEach((result, index) => {
      const item = batch[index] as Pending;
      if (result.ok) item.resolve(result.value);
      else item.reject(result.error);
    });
  }
}
