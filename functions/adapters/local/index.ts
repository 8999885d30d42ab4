import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, Ids } from '../../ports';
import { randomIds, systemClock } from '../system';
import { Checkpointer } from './checkpointer';
import { FileSecretStore } from './file-secrets';
import { FsArtifactStore } from './fs-artifacts';
import { SqliteQueue } from './sqlite-queue';
import { SqliteStateStore } from './sqlite-state';

export { FileSecretStore, FsArtifactStore, SqliteQueue, SqliteStateStore };

export interface LocalAdapters {
  readonly queue: SqliteQueue;
  readonly state: SqliteStateStore;
  readonly artifacts: FsArtifactStore;
  readonly secrets: FileSecretStore;
  readonly clock: Clock;
  readonly ids: Ids;
  /** Close the databases (the other stores hold no open handles). */
  close(): void;
}

export interface LocalAdaptersOptions {
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default randomIds(clock) */
  readonly ids?: Ids;
  /** Deliveries before a failing job is dead-lettered. @default 5 */
  readonly maxReceives?: number;
  /**
   * Durability of both databases. Every webhook does a state claim and a queue send; with `FULL` each is an
   * fsync (about 4 ms at the median on the reference machine), which alone breaks the intake's 5 ms p99 budget.
   * `NORMAL` keeps every commit across a crash of the process (the WAL is in the OS page cache; the SIGKILL
   * test proves it) and never corrupts the file; only a power cut or kernel crash can lose the last commits.
   * @default 'NORMAL'
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /**
   * Checkpoint the write-ahead logs on a thread of their own instead of inside a commit (see
   * {@link Checkpointer}): for a long-lived server whose requests must not wait for an fsync. Short-lived
   * commands keep SQLite's inline checkpoints (no thread to start). When the thread fails, inline checkpoints
   * come back on and `onCheckpointerStopped` hears why. @default false
   */
  readonly backgroundCheckpoints?: boolean;
  readonly onCheckpointerStopped?: (reason: string) => void;
}

/**
 * Every local-mode store under one data directory (the CLI's `--data`, default `./.tarmac`):
 * `queue.db`, `state.db`, `artifacts/` and `secrets/`; the directory is 0700 and every file in it 0600.
 */
export function openLocalAdapters(dataDir: string, options: LocalAdaptersOptions = {}): LocalAdapters {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds(clock);
  const synchronous = options.synchronous ?? 'NORMAL';
  // Owner-only: the databases hold Slack response_urls, the artifacts are the releases (0700 here, 0600 files).
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const queue = new SqliteQueue(join(dataDir, 'queue.db'), {
    clock,
    ids,
    maxReceives: options.maxReceives,
    synchronous,
  });
  let state: SqliteStateStore;
  try {
    state = new SqliteStateStore(join(dataDir, 'state.db'), { clock, synchronous });
  } catch (error) {
    queue.close();
    throw error;
  }
  const checkpointer = options.backgroundCheckpoints
    ? backgroundCheckpoints(dataDir, queue, state, options)
    : undefined;
  return {
    queue,
    state,
    artifacts: new FsArtifactStore(join(dataDir, 'artifacts')),
    secrets: new FileSecretStore(join(dataDir, 'secrets')),
    clock,
    ids,
    close() {
      checkpointer?.stop();
      queue.close();
      state.close();
    },
  };
}

const BACKSTOP_PAGES = 10_000;

function backgroundCheckpoints(
  dataDir: string,
  queue: SqliteQueue,
  state: SqliteStateStore,
  options: LocalAdaptersOptions,
): Checkpointer {
  // A backstop, not off: under steady writes a checkpoint on another thread never finds the log fully copied
  // with no commit after it, so SQLite never starts the log over and it grows without end (88 MB in 10 s at
  // one connection). Past 10,000 pages a commit checkpoints inline once — only the frames since the thread's
  // last pass, plus two fsyncs — and the next commit restarts the log: it stays under ~40 MB.
  queue.autoCheckpoint(BACKSTOP_PAGES);
  state.autoCheckpoint(BACKSTOP_PAGES);
  return new Checkpointer({
    files: [join(dataDir, 'queue.db'), join(dataDir, 'state.db')],
    onStopped: (reason) => {
      queue.autoCheckpoint(1000);
      state.autoCheckpoint(1000);
      options.onCheckpointerStopped?.(reason);
    },
  });
}
