import { randomBytes } from 'node:crypto';
import { TarmacError } from '../core/errors';
import type { Clock, Ids } from '../ports';

/** The machine's wall clock. Adapters and composition roots use it; the core only sees `Clock`. */
export const systemClock: Clock = { now: () => new Date() };

/** Crockford base32: no I, L, O, U — unambiguous and safe in URLs, file names, SQS and SSM names. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_BYTES = 10;

/**
 * ULIDs (26 characters: 48-bit millisecond time + 80 bits of crypto randomness). Within one generator they
 * are strictly increasing, even for ids made in the same millisecond or when the clock steps back: the
 * random part is then incremented instead of redrawn, as the ULID spec's monotonic mode does.
 *
 * @example randomIds().next() // '01J9Z6S8Q4V5XG0W7M2N3P4R5T'
 */
export function randomIds(clock: Clock = systemClock): Ids {
  let lastTime = Number.NEGATIVE_INFINITY;
  let random = new Uint8Array(RANDOM_BYTES);
  return {
    next(): string {
      const time = clock.now().getTime();
      if (time > lastTime) {
        lastTime = time;
        random = new Uint8Array(randomBytes(RANDOM_BYTES));
      } else {
        increment(random);
      }
      return encodeTime(lastTime) + encodeRandom(random);
    },
  };
}

function encodeTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > 2 ** 48 - 1) {
    throw new RangeError(`time ${ms} cannot be encoded in a ULID — the clock must give a date after 1970`);
  }
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET.charAt(rest % 32) + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  // 80 bits → 16 groups of 5 bits, most significant first.
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET.charAt((buffer >> bits) & 31);
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

function increment(bytes: Uint8Array): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    const byte = bytes[i] ?? 0;
    if (byte < 255) {
      bytes[i] = byte + 1;
      return;
    }
    bytes[i] = 0;
  }
  // 2^80 ids in one millisecond cannot happen by accident; refuse rather than repeat an id.
  throw new TarmacError('ULID random part overflowed within one millisecond — too many ids for one clock tick', {
    bytes: bytes.length,
  });
}
