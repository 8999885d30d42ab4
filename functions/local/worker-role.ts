import { join } from 'node:path';
import type { Logger } from '../log';
import { isAlive, readHolder, removeSelf, takeWorkerLease, type WorkerLease, writeSelf } from './lease';

/** How often a waiting server tries the lease, and a working CLI command looks for a waiting server. */
export const LEASE_POLL_MS = 250;

export interface WorkerRoleOptions {
  readonly dataDir: string;
  readonly logger: Logger;
  /** A server: keep trying until the lease is ours (and say so), announcing that we wait. */
  readonly wait: boolean;
  /** A CLI command: give the lease to a server that waits for it, once nothing runs here. */
  readonly handOver: boolean;
  /** Start working the queue (the lease is ours). */
  readonly onTake: () => Promise<void>;
  /**
   * Stop working: finish what runs here (its deployer events stay queued for the next worker). For a
   * hand-over, false when work started meanwhile and this process keeps the role.
   */
  readonly onGive: (handOver?: boolean) => Promise<boolean>;
  /** True while no deployment runs in this process (a hand-over waits for that). */
  readonly idle: () => boolean;
}

export interface WorkerRole {
  /** This process holds the lease and works the queue. */
  readonly working: boolean;
  /** Who holds the lease when we do not (for messages). */
  holder(): number | undefined;
  /** Stop waiting or working; release the lease. */
  close(): Promise<void>;
}

/**
 * The worker role of a data dir, never lost: the lease is taken at once when free or stale; a server that
 * starts while another live process holds it keeps trying and takes it as soon as that process is gone; a
 * CLI command working the queue hands it over to a waiting server as soon as no deployment runs in it.
 */
export async function startWorkerRole(options: WorkerRoleOptions): Promise<WorkerRole> {
  const leaseFile = join(options.dataDir, 'worker.pid');
  const waitingFile = join(options.dataDir, 'worker.waiting');
  const { logger } = options;
  let lease: WorkerLease | undefined;
  let busy: Promise<void> = Promise.resolve();
  let closed = false;

  let lastHolder = readHolder(leaseFile)?.pid;
  /** Take the lease if free or stale; say so when it was another process's. */
  const tryTake = async (message: string): Promise<boolean> => {
    lease = takeWorkerLease(leaseFile);
    if (!lease) {
      lastHolder = readHolder(leaseFile)?.pid ?? lastHolder;
      return false;
    }
    removeSelf(waitingFile);
    if (lastHolder !== undefined && lastHolder !== process.pid)
      logger.warn({ event: 'worker.lease_taken', previousPid: lastHolder }, message);
    await options.onTake();
    return true;
  };
  if (!(await tryTake('took over the stale worker lease of a dead process')) && options.wait) {
    writeSelf(waitingFile);
    logger.warn(
      { event: 'worker.waiting', holderPid: lastHolder },
      'another process works this data dir: waiting for it to end, then taking over',
    );
  }

  const tick = async () => {
    if (closed) return;
    if (!lease && options.wait) {
      if (
        !(await tryTake('the process that held the worker lease is gone: this one works the queue now')) &&
        !isAlive(readHolder(waitingFile) ?? { pid: 0 })
      ) {
        writeSelf(waitingFile); // another waiting server gave up: say again that we wait
      }
      return;
    }
    if (lease && options.handOver && options.idle()) {
      const waiter = readHolder(waitingFile);
      if (!waiter || waiter.pid === process.pid || !isAlive(waiter)) return;
      if (!(await options.onGive(true))) return;
      lease.release();
      lease = undefined;
      logger.warn(
        { event: 'worker.handed_over', serverPid: waiter.pid },
        'handed the worker lease to a waiting server',
      );
    }
  };
  const timer = setInterval(() => {
    busy = busy
      .then(tick)
      .catch((error) => logger.error({ event: 'worker.lease_error', error: String(error) }, 'lease check failed'));
  }, LEASE_POLL_MS);
  timer.unref();

  return {
    get working() {
      return lease !== undefined;
    },
    holder: () => (lease ? process.pid : readHolder(leaseFile)?.pid),
    async close() {
      closed = true;
      clearInterval(timer);
      await busy;
      if (lease) await options.onGive();
      lease?.release();
      lease = undefined;
      removeSelf(waitingFile);
    },
  };
}
