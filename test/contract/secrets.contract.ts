import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SecretStore } from '../../functions/ports';

export interface SecretsUnderTest {
  readonly secrets: SecretStore;
  /** Local stores only: the directory holding the secret files (see `filePermissions`). */
  readonly dir?: string;
  teardown(): Promise<void>;
}

export interface SecretsContractOptions {
  /**
   * The store keeps secrets as files under `dir`, `<scope>/<name>`: check folders are 0700 and files 0600.
   * Only for local stores; AWS stores leave it false (SSM has no file modes).
   * @default false
   */
  readonly filePermissions?: boolean;
}

/** The behaviour every {@link SecretStore} adapter must have. `setup` builds a fresh, empty store per test. */
export function secretsContract(
  name: string,
  setup: () => Promise<SecretsUnderTest>,
  options: SecretsContractOptions = {},
) {
  async function withSecrets(test: (s: SecretsUnderTest) => Promise<void>): Promise<void> {
    const s = await setup();
    try {
      await test(s);
    } finally {
      await s.teardown();
    }
  }

  describe(`SecretStore contract: ${name}`, () => {
    it('sets and gets a value byte for byte, and overwrites it', () =>
      withSecrets(async ({ secrets }) => {
        const value = 'line one\nline two — ü ✓ "quoted" $HOME';
        await secrets.set('hello/staging', 'database_password', value);
        expect(await secrets.get('hello/staging', 'database_password')).toBe(value);
        await secrets.set('hello/staging', 'database_password', 'rotated');
        expect(await secrets.get('hello/staging', 'database_password')).toBe('rotated');
      }));

    it('answers undefined for a missing name and empty results for an unknown scope', () =>
      withSecrets(async ({ secrets }) => {
        expect(await secrets.get('hello/staging', 'nothing_here')).toBeUndefined();
        expect(await secrets.getAll('nobody/nowhere')).toEqual({});
        expect(await secrets.listNames('nobody/nowhere')).toEqual([]);
      }));

    it('gets all values and lists names of one scope only, names sorted', () =>
      withSecrets(async ({ secrets }) => {
        await secrets.set('hello/staging', 'secret_key_base', 'skb');
        await secrets.set('hello/staging', 'erlang_cookie', 'cookie');
        await secrets.set('hello/production', 'erlang_cookie', 'prod-cookie');
        await secrets.set('_global', 'github_webhook_secret', 'gh');
        expect(await secrets.getAll('hello/staging')).toEqual({ erlang_cookie: 'cookie', secret_key_base: 'skb' });
        expect(await secrets.listNames('hello/staging')).toEqual(['erlang_cookie', 'secret_key_base']);
        expect(await secrets.listNames('_global')).toEqual(['github_webhook_secret']);
      }));

    it('writes with putIfMissing only once, keeping the first value', () =>
      withSecrets(async ({ secrets }) => {
        expect(await secrets.putIfMissing('hello/staging', 'erlang_cookie', 'first')).toBe(true);
        expect(await secrets.putIfMissing('hello/staging', 'erlang_cookie', 'second')).toBe(false);
        expect(await secrets.get('hello/staging', 'erlang_cookie')).toBe('first');
      }));

    if (options.filePermissions) {
      it('keeps folders at 0700 and secret files at 0600', () =>
        withSecrets(async ({ secrets, dir }) => {
          if (!dir) throw new Error('filePermissions needs setup() to return the store dir');
          await secrets.set('hello/staging', 'erlang_cookie', 'c');
          await secrets.putIfMissing('_global', 'slack_signing_secret', 's');
          const mode = (path: string) => statSync(path).mode & 0o777;
          expect(mode(dir)).toBe(0o700);
          expect(mode(join(dir, 'hello'))).toBe(0o700);
          expect(mode(join(dir, 'hello', 'staging'))).toBe(0o700);
          expect(mode(join(dir, 'hello', 'staging', 'erlang_cookie'))).toBe(0o600);
          expect(mode(join(dir, '_global', 'slack_signing_secret'))).toBe(0o600);
        }));
    }
  });
}
