import type { Command } from 'commander';
import { allInstances } from '../../core/config';
import { MAX_USER_NAME } from '../../core/config/instances';
import { configJsonSchema } from '../../core/config/schema';
import { ConfigError, formatIssue } from '../../core/errors';
import { loadConfig } from '../context';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';

export function registerConfig(program: Command, out: Output): void {
  const config = program.command('config').description('work with tarmac.yml');

  config
    .command('check')
    .description('validate tarmac.yml; exit 1 listing every error')
    .action(() => {
      const options = program.opts<GlobalOptions>();
      try {
        const parsed = loadConfig(options);
        const instances = allInstances(parsed);
        if (options.json) {
          out.write(`${JSON.stringify({ ok: true, instances: instances.map((i) => `${i.app}/${i.env}`) })}\n`);
          return;
        }
        out.write(`${options.config}: ok — ${instances.length} instance(s)\n`);
        for (const i of instances) {
          const shortened =
            i.systemUser.length < `tarmac_${i.app}_${i.env}`.length
              ? ` (shortened: tarmac_<app>_<env> exceeds ${MAX_USER_NAME} characters)`
              : '';
          out.write(
            `  ${i.app}/${i.env}  fleet ${i.fleet}  port ${i.port}  user ${i.systemUser}${shortened}  db ${i.database ? `${i.database.name} (${i.database.kind})` : 'none'}\n`,
          );
        }
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        if (options.json) out.write(`${JSON.stringify({ ok: false, errors: error.issues })}\n`);
        else
          out.error(
            `${options.config}: ${error.issues.length} error(s)\n${error.issues.map((i) => `  - ${formatIssue(i)}\n`).join('')}`,
          );
        out.exitCode = 1;
      }
    });

  config
    .command('schema')
    .description('print the JSON Schema of tarmac.yml (for editors)')
    .action(() => out.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`));
}
