import { createHash } from 'node:crypto';
import { hmacHex } from './signatures';

/**
 * The client side of tarmac's CI signatures (see signatures.ts for the verifier and docs/intake.md for the
 * scheme). Used by `tarmac release push`, CI scripts, tests and the bench.
 */

/** Headers for a signed JSON request (`POST /webhooks/builds`, `POST /artifacts/…/upload-url`). */
export function signedJsonHeaders(secret: string, body: string, timestampSec: number): Record<string, string> {
  const timestamp = String(Math.floor(timestampSec));
  return {
    'content-type': 'application/json',
    'x-tarmac-timestamp': timestamp,
    'x-tarmac-signature-256': `sha256=${hmacHex(secret, `${timestamp}.`, body)}`,
  };
}

/** Headers for a streamed `PUT /artifacts/<app>/<version>` of a body whose hex sha256 is `sha256`. */
export function signedUploadHeaders(
  secret: string,
  target: { app: string; version: string; sha256: string },
  timestampSec: number,
): Record<string, string> {
  const timestamp = String(Math.floor(timestampSec));
  const material = `${timestamp}.${target.app}.${target.version}.${target.sha256}`;
  return {
    'content-type': 'application/octet-stream',
    'x-tarmac-timestamp': timestamp,
    'x-tarmac-content-sha256': target.sha256,
    'x-tarmac-signature-256': `sha256=${hmacHex(secret, material)}`,
  };
}

/** Hex sha256 of bytes held in memory (small bodies; stream large files through `createHash` yourself). */
export function sha256Hex(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
