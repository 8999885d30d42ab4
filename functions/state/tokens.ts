import { randomBytes } from 'node:crypto';
import { TarmacError } from '../core/errors';
import { GLOBAL_SCOPE } from '../core/secrets';
import {
  assertEnvironmentPattern,
  assertTokenName,
  formatToken,
  type StoredToken,
  storedTokenSchema,
  TOKEN_SECRET_PREFIX,
  type TokenScope,
  tokenSecretName,
} from '../core/tokens';
import type { Clock, SecretStore } from '../ports';
import { secretDigest } from './token-check';

/** A token as `tarmac tokens list` shows it: never its secret. */
export interface TokenInfo {
  readonly name: string;
  readonly scope?: TokenScope;
  readonly environments?: readonly string[];
  readonly createdAt?: string;
  readonly revokedAt?: string;
}

/**
 * Create a named token and return its text (shown once: only its digest is stored, in the secret store like
 * any other secret — SSM SecureString on AWS, the 0600 file store locally). A live token of the same name
 * is never replaced; a revoked one may be reissued.
 */
export async function issueToken(
  secrets: SecretStore,
  clock: Clock,
  input: { name: string; scope: TokenScope; environments: readonly string[] },
): Promise<string> {
  assertTokenName(input.name);
  for (const pattern of input.environments) assertEnvironmentPattern(pattern);
  if (input.scope !== 'deploy' && input.environments.length > 0) {
    throw new TarmacError(
      `--env limits what a deploy token may change — ${input.scope} tokens are never limited to environments`,
      { scope: input.scope },
    );
  }
  const existing = await readToken(secrets, input.name);
  if (existing && 'sha256' in existing) {
    throw new TarmacError(`token "${input.name}" exists — revoke it first (tarmac tokens revoke ${input.name})`, {
      name: input.name,
    });
  }
  const secret = randomBytes(32).toString('base64url');
  const record: StoredToken = {
    v: 1,
    scope: input.scope,
    environments: [...input.environments],
    sha256: secretDigest(secret),
    createdAt: clock.now().toISOString(),
  };
  await secrets.set(GLOBAL_SCOPE, tokenSecretName(input.name), JSON.stringify(record));
  return formatToken(input.name, secret);
}

/** Revoke a token: its record stays (when it was revoked), its digest is gone. */
export async function revokeToken(secrets: SecretStore, clock: Clock, name: string): Promise<void> {
  assertTokenName(name);
  const existing = await readToken(secrets, name);
  if (!existing) throw new TarmacError(`no token "${name}" — tarmac tokens list shows them`, { name });
  const revoked: StoredToken = { v: 1, revokedAt: clock.now().toISOString() };
  await secrets.set(GLOBAL_SCOPE, tokenSecretName(name), JSON.stringify(revoked));
}

/** Every token's name, scope and dates. */
export async function listTokens(secrets: SecretStore): Promise<TokenInfo[]> {
  const names = (await secrets.listNames(GLOBAL_SCOPE)).filter((n) => n.startsWith(TOKEN_SECRET_PREFIX)).sort();
  const infos = await Promise.all(
    names.map(async (secretName): Promise<TokenInfo> => {
      const name = secretName.slice(TOKEN_SECRET_PREFIX.length);
      const stored = await readToken(secrets, name);
      if (!stored) return { name };
      if ('revokedAt' in stored) return { name, revokedAt: stored.revokedAt };
      return { name, scope: stored.scope, environments: stored.environments, createdAt: stored.createdAt };
    }),
  );
  return infos;
}

async function readToken(secrets: SecretStore, name: string): Promise<StoredToken | undefined> {
  const raw = await secrets.get(GLOBAL_SCOPE, tokenSecretName(name));
  if (raw === undefined) return undefined;
  try {
    return storedTokenSchema.parse(JSON.parse(raw));
  } catch (error) {
    throw new TarmacError(
      `token record "${name}" is malformed — revoke it and create it again`,
      { name },
      {
        cause: error,
      },
    );
  }
}
