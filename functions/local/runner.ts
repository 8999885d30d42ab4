import type { Logger } from '../log';
import type { JobQueue, ReceivedMessage } from '../ports';
import { crashPoint } from '../worker/crash-points';
import type { Worker } from '../worker/worker';

export interface LocalRunnerOptions {
  readonly worker: Worker;
  readonly queue: JobQueue;
  readonly logger: Logger;
  /** Messages handled at once (at most one per fleet: the queue serializes groups). @default 4 */
  readonly concurrency?: number;
  /** @default 300 */
  readonly visibilityTimeoutSec?: number;
  /** Sleep between empty polls. @default 100 */
  readonly idleMs?: number;
  /** Seconds before a failed job is delivered again. @default min(60, 2^receiveCount) */
  readonly retryAfterSec?: number;
}

/**
 * The local mode's queue consumer: receive, handle, ack — or give the message back with a backoff so the
 * queue redelivers it (and dead-letters it past the receive limit). Stops cleanly on `stop()`.
 */
export function startLocalRunner(options: LocalRunnerOptions) {
  const { worker, queue, logger } = options;
  const concurrency = options.concurrency ?? 4;
  const idleMs = options.idleMs ?? 100;
  let stopping = false;
  let wake: (() => void) | undefined;
  const inFlight = new Set<Promise<void>>();

  async function handle(message: ReceivedMessage): Promise<void> {
    try {
      await worker.handle(message.body, { messageId: message.id });
      await queue.ack(message.receipt);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      const retryAfterSec = options.retryAfterSec ?? Math.min(60, 2 ** message.receiveCount);
      logger.warn(
        { event: 'message.retry', messageId: message.id, receiveCount: message.receiveCount, error: text },
        'job will be retried',
      );
      await queue.fail(message.receipt, text, { retryAfterSec });
    }
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      const free = concurrency - inFlight.size;
      const messages =
        free > 0 ? await queue.receive({ max: free, visibilityTimeoutSec: options.visibilityTimeoutSec ?? 300 }) : [];
      if (messages.length > 0) crashPoint('after-receive');
      for (const message of messages) {
        // A finished job may free its group's next message (or a slot): poll again at once, not after idleMs.
        const task = handle(message).finally(() => {
          inFlight.delete(task);
          wake?.();
        });
        inFlight.add(task);
      }
      if (messages.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, idleMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  const running = loop().catch((error) =>
    logger.error({ event: 'runner.crashed', error: String(error) }, 'worker loop stopped'),
  );
  return {
    /** Poll now instead of after the idle sleep (call after enqueueing locally). */
    nudge(): void {
      wake?.();
    },
    async stop(): Promise<void> {
      stopping = true;
      wake?.();
      await running;
      await Promise.allSettled([...inFlight]);
    },
  };
}

export type LocalRunner = ReturnType<typeof startLocalRunner>;
