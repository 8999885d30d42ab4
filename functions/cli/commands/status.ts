import type { Command } from 'commander';
import { formatAge } from '../../core/clock';
import { allInstances } from '../../core/config';
import { UnknownNameError } from '../../core/errors';
import { stateReadApi } from '../../http/state-read-api';
import { withLocalRuntime } from '../local-client';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';

export function registerStatus(program: Command, out: Output): void {
  program
    .command('status')
    .description('environments: current release, lock (and how old), pending and last deployment')
    .argument('[app]')
    .action(async (app?: string) => {
      const options = program.opts<GlobalOptions>();
      await withLocalRuntime(
        options,
        async (runtime) => {
          const config = runtime.deps.config;
          if (app && !config.apps[app]) throw new UnknownNameError('app', app, Object.keys(config.apps));
          const read = stateReadApi(runtime.adapters.state);
          const now = runtime.adapters.clock.now();
          const instances = allInstances(config).filter((i) => !app || i.app === app);
          const summaries = await Promise.all(instances.map((i) => read.environment(i.app, i.env)));
          if (options.json) return out.write(`${JSON.stringify(summaries, null, 2)}\n`);
          for (const s of summaries) {
            const current = s.current
              ? `${s.current.version} (since ${formatAge(s.current.at, now)} ago)`
              : '(nothing deployed)';
            out.write(`${`${s.app}/${s.env}`.padEnd(24)} ${current}\n`);
            if (s.lock) out.write(`  locked by ${s.lock.by} ${formatAge(s.lock.since, now)} ago: "${s.lock.reason}"\n`);
            for (const p of s.pending) out.write(`  pending ${p.version} (${p.id}) requested by ${p.requestedBy}\n`);
            const last = s.recent[0];
            if (last)
              out.write(
                `  last: ${last.version} ${last.status.replace('_', ' ')} ${formatAge(last.createdAt, now)} ago (${last.trigger} by ${last.requestedBy})\n`,
              );
          }
        },
        { work: false },
      );
    });

  program
    .command('history')
    .description('recent deployments of an environment, newest first')
    .argument('<app>')
    .argument('<env>')
    .option('--limit <n>', 'how many', '20')
    .action(async (app: string, env: string, opts: { limit: string }) => {
      const options = program.opts<GlobalOptions>();
      await withLocalRuntime(
        options,
        async (runtime) => {
          const history = await stateReadApi(runtime.adapters.state).history(
            app,
            env,
            Number.parseInt(opts.limit, 10) || 20,
          );
          if (options.json) return out.write(`${JSON.stringify(history, null, 2)}\n`);
          if (history.length === 0) return out.write(`${app}/${env}: no deployments yet\n`);
          for (const d of history) {
            const hosts = d.hosts.map((h) => `${h.host}:${h.status}`).join(' ');
            out.write(
              `${d.createdAt}  ${d.version.padEnd(12)} ${d.status.padEnd(11)} ${d.trigger.padEnd(8)} ${d.requestedBy.padEnd(10)} ${hosts}\n`,
            );
          }
        },
        { work: false },
      );
    });
}
