import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The thread's code (CommonJS, run with `eval`: no separate file to find next to a bundled build). Every
 * `intervalMs` it runs a PASSIVE checkpoint of each database: copy what the write-ahead log holds into the
 * database file and fsync both, without ever waiting for (or blocking) a writer or a reader.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fail = (error) => {
  parentPort.postMessage({ failed: String((error && error.message) || error) });
  process.exit(1);
};
let dbs = [];
let timer;
const pass = () => {
  try {
    for (const db of dbs) db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    if (error.code !== 'SQLITE_BUSY') fail(error);
  }
  timer = setTimeout(pass, workerData.intervalMs);
};
try {
  const Database = require(workerData.driver);
  dbs = workerData.files.map((file) => new Database(file, { fileMustExist: true }));
  for (const db of dbs) db.pragma('wal_autocheckpoint = 0');
  timer = setTimeout(pass, workerData.intervalMs);
} catch (error) {
  fail(error);
}
parentPort.on('message', () => {
  clearTimeout(timer);
  for (const db of dbs) db.close();
  parentPort.close();
});
`;

export interface CheckpointerOptions {
  /** The SQLite files (WAL mode) whose logs the thread checkpoints. */
  readonly files: readonly string[];
  /** @default 100 */
  readonly intervalMs?: number;
  /**
   * Called once if the thread fails or exits unasked (it could not open a file, a checkpoint failed): the
   * caller turns inline checkpoints back on, so the log never grows without bound.
   */
  readonly onStopped: (reason: string) => void;
}

/**
 * WAL checkpoints on a thread of their own. Inline, SQLite checkpoints inside the commit that crosses
 * `wal_autocheckpoint` (1000 pages): that commit copies the log into the database and fsyncs twice on the
 * event loop, which stalls every request in flight — at one connection, 4–60 ms pauses were the intake's
 * p99. The caller raises `wal_autocheckpoint` far above that (a backstop that keeps the log bounded, see
 * `index.ts`) on its connections and starts this. Durability is untouched:
 * a commit is as safe in the log as in the database file, and only checkpoints move it.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private stopping = false;

  constructor(options: CheckpointerOptions) {
    this.worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        files: [...options.files],
        intervalMs: options.intervalMs ?? 100,
      },
    });
    // Never what keeps a process alive: a process that forgot to close its stores still exits.
    this.worker.unref();
    let reported = false;
    const stopped = (reason: string) => {
      if (this.stopping || reported) return;
      reported = true;
      options.onStopped(reason);
    };
    this.worker.on('message', (message: { failed?: string }) => {
      if (message.failed) stopped(`checkpointer failed: ${message.failed}`);
    });
    this.worker.once('error', (error) => stopped(`checkpointer failed: ${error.message}`));
    this.worker.once('exit', (code) => stopped(`checkpointer exited (code ${code})`));
  }

  /** Ask the thread to close its connections and end; returns at once (its last pass may still finish). */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.worker.postMessage('stop');
  }
}
