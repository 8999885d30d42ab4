import { randomBytes } from 'node:crypto';
import type { Instance } from '../core/config';
import { generatedDatabaseSecrets } from '../core/config/database';
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

/** What `tarmac secrets init` reports: the scope, what it generated, what is still missing, what is extra. */
export interface SecretsInitReport {
  readonly scope: string;
  readonly created: string[];
  readonly missing: string[];
  readonly extra: string[];
}

/**
 * Create the generated secrets of an instance when missing, then compare the store's names (metadata only:
 * no value is read back) with the instance's declared secrets. The CLI runs it on its own store, the write
 * API on the server's.
 */
export async function initSecretsReport(store: SecretStore, instance: Instance): Promise<SecretsInitReport> {
  const created = await initInstanceSecrets(store, instance.secretScope, generatedDatabaseSecrets(instance.database));
  const names = new Set([...(await store.listNames(instance.secretScope)), ...created]);
  return {
    scope: instance.secretScope,
    created,
    missing: instance.secrets.filter((n) => !names.has(n)),
    extra: [...names].filter((n) => !instance.secrets.includes(n)).sort(),
  };
}
