import { createHash, timingSafeEqual } from 'node:crypto';
import { splitToken, storedTokenSchema, type TokenGrant, tokenSecretName } from '../core/tokens';

/** Hex sha256 of a token's secret part: what the secret store keeps. */
export const secretDigest = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Equal in constant time, whatever the lengths (both sides are hashed to 32 bytes first). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The grant of the legacy shared read token (`_global/dashboard_token`, `TARMAC_DASHBOARD_TOKEN`). */
export const DASHBOARD_GRANT: TokenGrant = { name: 'dashboard', scope: 'read', environments: [], shared: true };

/**
 * The grant of a presented bearer token, or undefined. `globals` are the `_global` secrets (one cached
 * `getAll`); `legacyRead` is the shared dashboard token, which reads only. Named tokens are found by the
 * name they carry and their secret compared by digest in constant time; a revoked or malformed record
 * grants nothing.
 */
export function verifyToken(
  globals: Readonly<Record<string, string>>,
  presented: string,
  legacyRead?: string,
): TokenGrant | undefined {
  const parts = splitToken(presented);
  if (parts) {
    const raw = globals[tokenSecretName(parts.name)];
    const stored = raw === undefined ? undefined : parseStored(raw);
    if (stored && 'sha256' in stored && sameSecret(secretDigest(parts.secret), stored.sha256)) {
      return { name: parts.name, scope: stored.scope, environments: stored.environments };
    }
    return undefined;
  }
  return legacyRead !== undefined && sameSecret(presented, legacyRead) ? DASHBOARD_GRANT : undefined;
}

/** True when any live named token exists (then `/api` is never open, even on loopback). */
export function hasNamedTokens(globals: Readonly<Record<string, string>>): boolean {
  return Object.entries(globals).some(([name, raw]) => {
    if (!name.startsWith('token_')) return false;
    const stored = parseStored(raw);
    return stored !== undefined && 'sha256' in stored;
  });
}

function parseStored(raw: string) {
  try {
    const result = storedTokenSchema.safeParse(JSON.parse(raw));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
