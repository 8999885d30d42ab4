import { TarmacError } from '../core/errors';
import { GLOBAL_SCOPE } from '../core/secrets';
import type { Clock, SecretStore } from '../ports';

/** The intake's shared secrets, all in the `_global` scope of the secret store. */
export type IntakeSecretName = 'github_webhook_secret' | 'slack_signing_secret' | 'build_webhook_secret';

export const INTAKE_SECRETS: readonly IntakeSecretName[] = [
  'github_webhook_secret',
  'slack_signing_secret',
  'build_webhook_secret',
];

/**
 * An intake secret is not set. A configuration error, never a reason to skip verification: the request
 * fails (503) and the message says which secret to set.
 */
export class MissingIntakeSecretError extends TarmacError {
  constructor(readonly secretName: IntakeSecretName) {
    super(`intake secret _global/${secretName} is not set — tarmac secrets set _global ${secretName} --stdin`, {
      secretName,
    });
    this.name = 'MissingIntakeSecretError';
  }
}

/**
 * The `_global` secrets, fetched with one `getAll` (one SSM call by path on AWS) and cached for `ttlMs`
 * per process. Concurrent requests on a cold cache share one fetch. A rotated secret takes effect within
 * `ttlMs`.
 */
export class IntakeSecrets {
  private cached: { values: Record<string, string>; expiresAt: number } | undefined;
  private loading: Promise<Record<string, string>> | undefined;

  constructor(
    private readonly store: SecretStore,
    private readonly clock: Clock,
    private readonly ttlMs = 60_000,
  ) {}

  /** The secret's value; throws {@link MissingIntakeSecretError} when it is not set (or empty). */
  async require(name: IntakeSecretName): Promise<string> {
    const values = await this.values();
    const value = values[name];
    if (!value) throw new MissingIntakeSecretError(name);
    return value;
  }

  /** Names of the intake secrets that are not set, for a startup check. */
  async missing(): Promise<IntakeSecretName[]> {
    const values = await this.values();
    return INTAKE_SECRETS.filter((name) => !values[name]);
  }

  /** Every `_global` secret (cached like the intake secrets): where API tokens are looked up. */
  all(): Promise<Record<string, string>> {
    return this.values();
  }

  /** Drop the cache: the next request reads the store again (after this process wrote a `_global` secret). */
  forget(): void {
    this.cached = undefined;
  }

  private async values(): Promise<Record<string, string>> {
    const now = this.clock.now().getTime();
    if (this.cached && now < this.cached.expiresAt) return this.cached.values;
    this.loading ??= this.store.getAll(GLOBAL_SCOPE).finally(() => {
      this.loading = undefined;
    });
    const values = await this.loading;
    this.cached = { values, expiresAt: now + this.ttlMs };
    return values;
  }
}
