import { instanceOf } from '../core/config';
import { TarmacError } from '../core/errors';
import type { TokenScope } from '../core/tokens';
import type { Clock, SecretStore } from '../ports';
import { initSecretsReport, type SecretsInitReport } from '../state/secrets';
import { issueToken, listTokens, revokeToken, type TokenInfo } from '../state/tokens';
import { loadConfig } from './context';
import type { GlobalOptions } from './main';
import type { ServerClient } from './server-client';

/** Where `tarmac secrets` works: a secret store of its own (local, `--aws`), or a server's (`--server`). */
export interface SecretsBackend {
  set(scope: string, name: string, value: string): Promise<void>;
  listNames(scope: string): Promise<string[]>;
  init(app: string, env: string): Promise<SecretsInitReport>;
}

/** Where `tarmac tokens` works, likewise. */
export interface TokensBackend {
  create(input: { name: string; scope: TokenScope; environments: readonly string[] }): Promise<string>;
  list(): Promise<TokenInfo[]>;
  revoke(name: string): Promise<void>;
}

/** The machine's clock (cli may not import adapters/system). */
const systemClock: Clock = { now: () => new Date() };

/** A store this process opens itself; `secrets init` reads tarmac.yml here for the instance's secrets. */
export function storeSecrets(store: SecretStore, options: GlobalOptions): SecretsBackend {
  return {
    set: (scope, name, value) => store.set(scope, name, value),
    listNames: (scope) => store.listNames(scope),
    init: (app, env) => initSecretsReport(store, instanceOf(loadConfig(options), app, env)),
  };
}

export function storeTokens(store: SecretStore): TokensBackend {
  return {
    create: (input) => issueToken(store, systemClock, input),
    list: () => listTokens(store),
    revoke: (name) => revokeToken(store, systemClock, name),
  };
}

/** The server's store through its admin API (an admin token); the server knows its own tarmac.yml. */
export function serverSecrets(server: ServerClient): SecretsBackend {
  return {
    set: async (scope, name, value) => {
      await server.send('PUT', '/secrets', { scope, name, value });
    },
    listNames: async (scope) =>
      (await server.send<{ names: string[] }>('GET', `/secrets?scope=${encodeURIComponent(scope)}`)).names,
    init: (app, env) => server.send<SecretsInitReport>('POST', '/secrets/init', { app, env }),
  };
}

export function serverTokens(server: ServerClient): TokensBackend {
  return {
    create: async (input) => (await server.send<{ token: string }>('POST', '/tokens', input)).token,
    list: async () => (await server.send<{ tokens: TokenInfo[] }>('GET', '/tokens')).tokens,
    revoke: async (name) => {
      await server.send('DELETE', `/tokens/${encodeURIComponent(name)}`);
    },
  };
}

/** `--aws` names a store of this shell, `--server` the server's: both at once is a mistake. */
export function refuseBoth(aws: boolean | undefined, server: string | undefined): void {
  if (aws && server !== undefined) {
    throw new TarmacError(
      `give either --aws (SSM with this shell's credentials) or --server ${server} (the server's store), not both`,
    );
  }
}
