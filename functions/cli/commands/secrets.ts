import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { SsmSecretStore } from '../../adapters/aws/ssm-secrets';
import { FileSecretStore } from '../../adapters/local/file-secrets';
import { TarmacError } from '../../core/errors';
import { assertSecretRef } from '../../core/secrets';
import type { SecretStore } from '../../ports';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';
import { refuseBoth, type SecretsBackend, serverSecrets, storeSecrets } from '../secret-backends';
import { remoteCapable, serverFor } from '../server-mode';

/** The local secret store under `--data`. */
export function localSecrets(options: Pick<GlobalOptions, 'data'>): SecretStore {
  return new FileSecretStore(join(options.data, 'secrets'));
}

/** Builds the SSM store of `--aws`; injected so tests hand in a mocked SSM client. */
export type AwsSecretStoreFactory = (region: string | undefined) => SecretStore;

/**
 * SecureStrings under `/tarmac` in the account and region the shell points at. Without a region the SDK's own
 * chain decides (the profile's region), and fails at the first call when there is none.
 */
export const ssmSecretStore: AwsSecretStoreFactory = (region) =>
  new SsmSecretStore({ prefix: '/tarmac', clientConfig: region ? { region } : {} });

export interface StoreOptions {
  readonly aws?: boolean;
  readonly region?: string;
}

async function readValue(opts: { valueFile?: string; stdin?: boolean }): Promise<string> {
  if (opts.valueFile && opts.stdin) throw new TarmacError('give either --value-file or --stdin, not both');
  if (opts.valueFile) return readFileSync(opts.valueFile, 'utf8').replace(/\r?\n$/, '');
  if (opts.stdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  throw new TarmacError('give the value with --value-file <file> or --stdin (never on the command line)');
}

/** `--aws`/`--region` on a subcommand: where its secrets live. */
export function withStoreOptions(command: Command): Command {
  return command
    .option('--aws', 'use SSM Parameter Store (/tarmac/…, SecureString) instead of the local store under --data')
    .option('--region <region>', 'AWS region for --aws (default: AWS_REGION, then the AWS profile)');
}

/** Run one store call; an SDK without a region says so at the first call, and we say how to give one. */
export async function onStore<T>(opts: StoreOptions, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (opts.aws && /region is missing/i.test((error as Error)?.message ?? '')) {
      throw new TarmacError('no AWS region for --aws — pass --region <region> or set AWS_REGION', {}, { cause: error });
    }
    throw error;
  }
}

export function registerSecrets(program: Command, out: Output, awsStore: AwsSecretStoreFactory = ssmSecretStore): void {
  const secrets = program.command('secrets').description('manage secrets (values are never printed)');
  const backendOf = (opts: StoreOptions): SecretsBackend => {
    const options = program.opts<GlobalOptions>();
    refuseBoth(opts.aws, options.server);
    const server = serverFor(options);
    if (server) return serverSecrets(server);
    const store = opts.aws ? awsStore(opts.region ?? process.env.AWS_REGION) : localSecrets(options);
    return storeSecrets(store, options);
  };

  withStoreOptions(
    remoteCapable(secrets.command('init'))
      .description('generate missing erlang_cookie and secret_key_base for an instance (never replaces one)')
      .argument('<app>')
      .argument('<env>'),
  ).action(async (app: string, env: string, opts: StoreOptions) => {
    const options = program.opts<GlobalOptions>();
    const report = await onStore(opts, () => backendOf(opts).init(app, env));
    if (options.json) {
      out.write(`${JSON.stringify(report)}\n`);
      return;
    }
    const { scope, created, missing } = report;
    out.write(created.length ? `${scope}: generated ${created.join(', ')}\n` : `${scope}: nothing to generate\n`);
    const aws = opts.aws ? ' --aws' : '';
    for (const name of missing)
      out.write(`  still missing: ${name} — tarmac secrets set ${scope} ${name} --stdin${aws}\n`);
  });

  withStoreOptions(
    remoteCapable(secrets.command('set'))
      .description('set a secret (replacing its value); scope is <app>/<env> or _global')
      .argument('<scope>')
      .argument('<name>')
      .option('--value-file <file>', 'read the value from a file')
      .option('--stdin', 'read the value from standard input'),
  ).action(async (scope: string, name: string, opts: StoreOptions & { valueFile?: string; stdin?: boolean }) => {
    assertSecretRef(scope, name); // before the value is read: a refused name must not cost the user their input
    const backend = backendOf(opts);
    const value = await readValue(opts);
    if (value.length === 0) throw new TarmacError(`the value for ${scope}/${name} is empty — nothing was written`);
    await onStore(opts, () => backend.set(scope, name, value));
    out.write(`${scope}/${name}: set${opts.aws ? ' (SSM SecureString)' : ''}\n`);
  });

  withStoreOptions(
    remoteCapable(secrets.command('list'))
      .description('list secret names of a scope (never values)')
      .argument('<scope>'),
  ).action(async (scope: string, opts: StoreOptions) => {
    const options = program.opts<GlobalOptions>();
    const names = await onStore(opts, () => backendOf(opts).listNames(scope));
    if (options.json) out.write(`${JSON.stringify(names)}\n`);
    else out.write(names.length ? `${names.join('\n')}\n` : `(no secrets in ${scope})\n`);
  });
}
