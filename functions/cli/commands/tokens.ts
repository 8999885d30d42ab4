import type { Command } from 'commander';
import { TarmacError } from '../../core/errors';
import { TOKEN_SCOPES, type TokenScope } from '../../core/tokens';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';
import { refuseBoth, serverTokens, storeTokens, type TokensBackend } from '../secret-backends';
import { remoteCapable, serverFor } from '../server-mode';
import {
  type AwsSecretStoreFactory,
  localSecrets,
  onStore,
  type StoreOptions,
  ssmSecretStore,
  withStoreOptions,
} from './secrets';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * `tarmac tokens create|list|revoke`: the named, scoped bearer tokens of the server's `/api` (read; deploy —
 * optionally only some environments; admin — also secrets and tokens). Kept in the secret store like the other
 * `_global` secrets (`--aws`: SSM; `--server`: the server's store, with an admin token); only a digest is
 * stored, the token is printed once. The first admin token can only be made locally or with `--aws`.
 */
export function registerTokens(program: Command, out: Output, awsStore: AwsSecretStoreFactory = ssmSecretStore): void {
  const tokens = program.command('tokens').description('API tokens for --server (named, scoped; shown once)');
  const backendOf = (opts: StoreOptions): TokensBackend => {
    const options = program.opts<GlobalOptions>();
    refuseBoth(opts.aws, options.server);
    const server = serverFor(options);
    if (server) return serverTokens(server);
    return storeTokens(opts.aws ? awsStore(opts.region ?? process.env.AWS_REGION) : localSecrets(options));
  };

  withStoreOptions(
    remoteCapable(tokens.command('create'))
      .description('create a token and print it once (its name is the requester in history and locks)')
      .argument('<name>', 'who or what holds it, e.g. alice or ci_deploy')
      .requiredOption(
        '--scope <scope>',
        'read (status, history, plan), deploy (also deploy, lock, abort, …) or admin (also secrets and tokens)',
      )
      .option(
        '--env <app/env>',
        'deploy scope only: limit it to this environment (app/* for every one); repeatable',
        collect,
      ),
  ).action(async (name: string, opts: StoreOptions & { scope: string; env?: string[] }) => {
    if (!(TOKEN_SCOPES as readonly string[]).includes(opts.scope)) {
      throw new TarmacError(`--scope ${opts.scope} is not a scope — use read, deploy or admin`, { scope: opts.scope });
    }
    if (opts.scope === 'read' && opts.env?.length) {
      throw new TarmacError('--env limits what a deploy token may change — a read token reads everything');
    }
    const scope = opts.scope as TokenScope;
    const token = await onStore(opts, () => backendOf(opts).create({ name, scope, environments: opts.env ?? [] }));
    const where = opts.env?.length ? ` for ${opts.env.join(', ')}` : '';
    out.error(`token ${name} (${scope}${where}) created — shown once, store it now; servers see it within a minute\n`);
    out.write(`${token}\n`);
  });

  withStoreOptions(
    remoteCapable(tokens.command('list')).description('token names, scopes and dates (never the tokens)'),
  ).action(async (opts: StoreOptions) => {
    const infos = await onStore(opts, () => backendOf(opts).list());
    if (program.opts<GlobalOptions>().json) return out.write(`${JSON.stringify(infos, null, 2)}\n`);
    if (infos.length === 0) return out.write('(no tokens — tarmac tokens create <name> --scope deploy)\n');
    for (const t of infos) {
      const what = t.revokedAt
        ? `revoked ${t.revokedAt}`
        : `${t.scope}${t.environments?.length ? ` ${t.environments.join(',')}` : ''}  created ${t.createdAt}`;
      out.write(`${t.name.padEnd(20)} ${what}\n`);
    }
  });

  withStoreOptions(
    remoteCapable(tokens.command('revoke'))
      .description('revoke a token (servers refuse it within a minute)')
      .argument('<name>'),
  ).action(async (name: string, opts: StoreOptions) => {
    await onStore(opts, () => backendOf(opts).revoke(name));
    out.write(`token ${name}: revoked\n`);
  });
}
