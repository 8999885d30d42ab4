import { randomBytes } from 'node:crypto';
import { GENERATED_SECRETS } from '../core/config/instances';
import { GENERATED_SECRET_BYTES } from '../core/secrets';
import type { SecretStore } from '../ports';

/**
 * Create the generated secrets of an instance when missing (crypto-strong randomness; 32-byte cookie,
 * 64-byte secret_key_base). Existing values are never replaced. Returns the names it created.
 */
export async function initInstanceSecrets(store: SecretStore, scope: string): Promise<string[]> {
  const created: string[] = [];
  for (const name of GENERATED_SECRETS) {
    const value = randomBytes(GENERATED_SECRET_BYTES[name]).toString('base64url');
    if (await store.putIfMissing(scope, name, value)) created.push(name);
  }
  return created;
}
