import type { StateStore } from '../ports';

/** How long a delivery's last failure is kept: SQS's longest message retention (14 days). */
export const MESSAGE_FAILURE_TTL_SEC = 14 * 24 * 3600;

/**
 * Why a queue message last failed. SQS keeps no failure reason on a message, so whoever fails a delivery
 * (the SQS adapter's `fail`, or the worker on the Lambda path) writes it here, by message id, and the
 * dead-letter listing reads it back (a message keeps its id when SQS moves it to the dead-letter queue).
 */
export interface MessageFailure {
  readonly error: string;
  /** The receive count of the failed delivery (the dead-letter queue's own count grows when it is read). */
  readonly receiveCount: number;
  readonly at: string;
}

const key = (messageId: string) => ({ pk: 'message-failure', sk: messageId });

export async function recordMessageFailure(state: StateStore, messageId: string, failure: MessageFailure) {
  await state.put(key(messageId), failure, { ttlSec: MESSAGE_FAILURE_TTL_SEC });
}

export async function messageFailure(state: StateStore, messageId: string): Promise<MessageFailure | undefined> {
  return (await state.get<MessageFailure>(key(messageId)))?.value;
}

/** Keep the first answer for a message that has none yet (create-only), and return what is stored. */
export async function firstMessageFailure(
  state: StateStore,
  messageId: string,
  failure: MessageFailure,
): Promise<MessageFailure> {
  try {
    await state.put(key(messageId), failure, { expectedVersion: null, ttlSec: MESSAGE_FAILURE_TTL_SEC });
    return failure;
  } catch {
    return (await messageFailure(state, messageId)) ?? failure;
  }
}
