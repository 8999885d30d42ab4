import type { Command } from 'commander';
import { TarmacError } from '../../core/errors';
import type { TokenScope } from '../../core/tokens';
import type { SecretStore } from '../../ports';
import { issueToken, listTokens, revokeToken } from '../../state/tokens';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';
import {
  type AwsSecretStoreFactory,
  localSecrets,
  onStore,
  type StoreOptions,
  ssmSecretStore,
  withStoreOptions,
} from './secrets';

/** The machine's clock (cli may not import adapters/system). */
const systemClock = { now: () => new Date() };

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * `tarmac tokens create|list|revoke`: the named, scoped bearer tokens of the server's `/api` (read, or
 * deploy — optionally only some environments). Kept in the secret store like the other `_global` secrets
 * (`--aws`: SSM); only a digest is stored, the token is printed once.
 */
export function registerTokens(program: Command, out: Output, awsStore: AwsSecretStoreFactory = ssmSecretStore): void {
  const tokens = program.command('tokens').description('API tokens for --server (named, scoped; shown once)');
  const storeOf = (opts: StoreOptions): SecretStore =>
    opts.aws ? awsStore(opts.region ?? process.env.AWS_REGION) : localSecrets(program.opts<GlobalOptions>());

  withStoreOptions(
    tokens
      .command('create')
      .description('create a token and print it once (its name is the requester in history and locks)')
      .argument('<name>', 'who or what holds it, e.g. alice or ci_deploy')
      .requiredOption('--scope <scope>', 'read (status, history, plan) or deploy (also deploy, lock, abort, …)')
      .option(
        '--env <app/env>',
        'deploy scope only: limit it to this environment (app/* for every one); repeatable',
        collect,
      ),
  ).action(async (name: string, opts: StoreOptions & { scope: string; env?: string[] }) => {
    if (opts.scope !== 'read' && opts.scope !== 'deploy') {
      throw new TarmacError(`--scope ${opts.scope} is not a scope — use read or deploy`, { scope: opts.scope });
    }
    if (opts.scope === 'read' && opts.env?.length) {
      throw new TarmacError('--env limits what a deploy token may change — a read token reads everything');
    }
    const scope: TokenScope = opts.scope;
    const token = await onStore(opts, () =>
      issueToken(storeOf(opts), systemClock, { name, scope, environments: opts.env ?? [] }),
    );
    const where = opts.env?.length ? ` for ${opts.env.join(', ')}` : '';
    out.error(`token ${name} (${scope}${where}) created — shown once, store it now; servers see it within a minute\n`);
    out.write(`${token}\n`);
  });

  withStoreOptions(tokens.command('list').description('token names, scopes and dates (never the tokens)')).action(
    async (opts: StoreOptions) => {
      const infos = await onStore(opts, () => listTokens(storeOf(opts)));
      if (program.opts<GlobalOptions>().json) return out.write(`${JSON.stringify(infos, null, 2)}\n`);
      if (infos.length === 0) return out.write('(no tokens — tarmac tokens create <name> --scope deploy)\n');
      for (const t of infos) {
        const what = t.revokedAt
          ? `revoked ${t.revokedAt}`
          : `${t.scope}${t.environments?.length ? ` ${t.environments.join(',')}` : ''}  created ${t.createdAt}`;
        out.write(`${t.name.padEnd(20)} ${what}\n`);
      }
    },
  );

  withStoreOptions(
    tokens.command('revoke').description('revoke a token (servers refuse it within a minute)').argument('<name>'),
  ).action(async (name: string, opts: StoreOptions) => {
    await onStore(opts, () => revokeToken(storeOf(opts), systemClock, name));
    out.write(`token ${name}: revoked\n`);
  });
}
