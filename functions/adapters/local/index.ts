import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, Ids } from '../../ports';
import { randomIds, systemClock } from '../system';
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
}

/**
 * Every local-mode store under one data directory (the CLI's `--data`, default `./.tarmac`):
 * `queue.db`, `state.db`, `artifacts/` and `secrets/` (0700).
 */
export function openLocalAdapters(dataDir: string, options: LocalAdaptersOptions = {}): LocalAdapters {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds(clock);
  mkdirSync(dataDir, { recursive: true });
  const queue = new SqliteQueue(join(dataDir, 'queue.db'), { clock, ids, maxReceives: options.maxReceives });
  let state: SqliteStateStore;
  try {
    state = new SqliteStateStore(join(dataDir, 'state.db'), { clock });
  } catch (error) {
    queue.close();
    throw error;
  }
  return {
    queue,
    state,
    artifacts: new FsArtifactStore(join(dataDir, 'artifacts')),
    secrets: new FileSecretStore(join(dataDir, 'secrets')),
    clock,
    ids,
    close() {
      queue.close();
      state.close();
    },
  };
}
