import { TarmacError } from '../../core/errors';
import type { OutgoingMessage } from '../../ports';

/** SQS's MessageGroupId alphabet: what works locally must also work on AWS. */
const GROUP = /^[\x21-\x7e]{1,128}$/;
const MAX_BODY_BYTES = 256 * 1024;
const MAX_SECONDS = 43_200;

/** SQS's limits on a send, checked locally so a message that AWS would refuse fails in local mode too. */
export function checkMessage(message: OutgoingMessage, body: string): void {
  if (typeof message.group !== 'string' || !GROUP.test(message.group)) {
    throw new TarmacError(
      `queue group "${message.group}" is not valid — 1 to 128 printable ASCII characters, no spaces`,
      { group: message.group },
    );
  }
  if (typeof message.dedupKey !== 'string' || message.dedupKey.length === 0) {
    throw new TarmacError(`message dedupKey must be a non-empty string (given "${message.dedupKey}")`, {
      group: message.group,
    });
  }
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_BODY_BYTES) {
    throw new TarmacError(
      `message body of ${bytes} bytes is over the 256 KiB limit — send a reference (artifact key), not the data`,
      { bytes, group: message.group },
    );
  }
}

/** SQS's limits on a receive: 1 to 10 messages, visibility up to 12 hours. */
export function checkReceive(options: { max: number; visibilityTimeoutSec: number }): void {
  if (!Number.isInteger(options.max) || options.max < 1 || options.max > 10) {
    throw new TarmacError(`receive max must be 1 to 10 (given ${options.max})`, { max: options.max });
  }
  checkSeconds('visibilityTimeoutSec', options.visibilityTimeoutSec);
}

/** A delay in seconds, 0 to 12 hours (SQS's visibility limit). */
export function checkSeconds(name: string, seconds: number): void {
  if (!(seconds >= 0 && seconds <= MAX_SECONDS)) {
    throw new TarmacError(`${name} must be 0 to ${MAX_SECONDS} seconds (given ${seconds})`, { [name]: seconds });
  }
}
