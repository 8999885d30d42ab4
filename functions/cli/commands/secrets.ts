import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { FileSecretStore } from '../../adapters/local/file-secrets';
import { instanceOf } from '../../core/config';
import { TarmacError, UnknownNameError } from '../../core/errors';
import type { SecretStore } from '../../ports';
import { initInstanceSecrets } from '../../worker/secrets';
import { loadConfig } from '../context';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';

/** The local secret store under `--data`. */
export function localSecrets(options: Pick<GlobalOptions, 'data'>): SecretStore {
  return new FileSecretStore(join(options.data, 'secrets'));
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

export function registerSecrets(program: Command, out: Output): void {
  const secrets = program.command('secrets').description('manage secrets (values are never printed)');

  secrets
    .command('init')
    .description('generate missing erlang_cookie and secret_key_base for an instance')
    .argument('<app>')
    .argument('<env>')
    .action(async (app: string, env: string) => {
      const options = program.opts<GlobalOptions>();
      const config = loadConfig(options);
      if (!config.apps[app]) throw new UnknownNameError('app', app, Object.keys(config.apps));
      if (!config.apps[app].environments[env]) {
        throw new UnknownNameError('environment', env, Object.keys(config.apps[app].environments));
      }
      const instance = instanceOf(config, app, env);
      const store = localSecrets(options);
      const created = await initInstanceSecrets(store, instance.secretScope);
      const missing = (await store.listNames(instance.secretScope)).filter((n) => !instance.secrets.includes(n));
      const stillMissing = instance.secrets.filter((n) => !created.includes(n));
      const absent: string[] = [];
      for (const name of stillMissing)
        if ((await store.get(instance.secretScope, name)) === undefined) absent.push(name);
      if (options.json) {
        out.write(`${JSON.stringify({ scope: instance.secretScope, created, missing: absent, extra: missing })}\n`);
        return;
      }
      out.write(
        created.length
          ? `${instance.secretScope}: generated ${created.join(', ')}\n`
          : `${instance.secretScope}: nothing to generate\n`,
      );
      for (const name of absent) {
        out.write(`  still missing: ${name} — tarmac secrets set ${instance.secretScope} ${name} --stdin\n`);
      }
    });

  secrets
    .command('set')
    .description('set a secret; scope is <app>/<env> or _global')
    .argument('<scope>')
    .argument('<name>')
    .option('--value-file <file>', 'read the value from a file')
    .option('--stdin', 'read the value from standard input')
    .action(async (scope: string, name: string, opts: { valueFile?: string; stdin?: boolean }) => {
      const value = await readValue(opts);
      if (value.length === 0) throw new TarmacError(`the value for ${scope}/${name} is empty — nothing was written`);
      await localSecrets(program.opts<GlobalOptions>()).set(scope, name, value);
      out.write(`${scope}/${name}: set\n`);
    });

  secrets
    .command('list')
    .description('list secret names of a scope (never values)')
    .argument('<scope>')
    .action(async (scope: string) => {
      const options = program.opts<GlobalOptions>();
      const names = await localSecrets(options).listNames(scope);
      if (options.json) out.write(`${JSON.stringify(names)}\n`);
      else out.write(names.length ? `${names.join('\n')}\n` : `(no secrets in ${scope})\n`);
    });
}
