import { randomBytes } from 'node:crypto';
import { GENERATED_SECRETS } from '../core/config/instances';
import { GENERATED_SECRET_BYTES } from '../core/secrets';
import type { SecretStore } from '../ports';

/**
 * Create the generated secrets of an instance when missing (crypto-strong randomness; 32-byte cookie,
 * 64-byte secret_key_base, 32 bytes for each of `extra`, e.g. a fleet host database's role password).
 * Existing values are never replaced. Returns the names it created.
 */
export async function initInstanceSecrets(
  store: SecretStore,
  scope: string,
  extra: readonly string[] = [],
): Promise<string[]> {
  const created: string[] = [];
  const bytes: Record<string, number> = GENERATED_SECRET_BYTES;
  for (const name of [...GENERATED_SECRETS, ...extra]) {
    const value = randomBytes(bytes[name] ?? 32).toString('base64url');
    if (await store.putIfMissing(scope, name, value)) created.push(name);
  }
  return created;
}
