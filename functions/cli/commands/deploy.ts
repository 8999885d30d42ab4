import type { Command } from 'commander';
import { TarmacError } from '../../core/errors';
import { planView } from '../../state/plan-view';
import type { PlanView } from '../../state/read-api';
import { followRequest, localChannel, serverChannel } from '../follow';
import { withLocalRuntime } from '../local-client';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';
import { planLines } from '../plan-text';
import type { ClientRequest } from '../requests';
import { remoteCapable, serverFor } from '../server-mode';
import { registerStatus } from './status';

/** Run a request locally (`--data`) or on the server (`--server`), with the same output either way. */
async function run(
  program: Command,
  out: Output,
  request: ClientRequest,
  wait: boolean,
  ok?: Parameters<typeof followRequest>[3]['ok'],
) {
  const options = program.opts<GlobalOptions>();
  const follow = { json: Boolean(options.json), wait, ...(ok ? { ok } : {}) };
  const server = serverFor(options);
  if (server) return followRequest(serverChannel(server), request, out, follow);
  await withLocalRuntime(options, (runtime) => followRequest(localChannel(runtime), request, out, follow));
}

function printPlan(out: Output, view: PlanView, json: boolean): void {
  const { plan, current, instance } = view;
  if (json) {
    out.write(`${JSON.stringify(plan, null, 2)}\n`);
    return;
  }
  const release = plan.release;
  out.write(
    `${plan.app}/${plan.env}: ${current ? `${current.version} → ` : ''}${release.version} (${release.sha256.slice(0, 12)}) on fleet ${plan.fleet}\n`,
  );
  for (const line of planLines(plan)) out.write(`${line}\n`);
  out.write(`unit ${instance.unit}, port ${instance.port}, user ${instance.systemUser}, releases/${release.id}\n`);
}

export function registerDeploy(program: Command, out: Output): void {
  remoteCapable(program.command('plan'))
    .description('what a deploy would do, host by host')
    .argument('<app>')
    .argument('<env>')
    .option('--version <v>', 'version, git sha or branch (default: newest accepted release)')
    .action(async (app: string, env: string, opts: { version?: string }) => {
      const options = program.opts<GlobalOptions>();
      const server = serverFor(options);
      if (server) {
        const query = opts.version ? `?version=${encodeURIComponent(opts.version)}` : '';
        const path = `/apps/${encodeURIComponent(app)}/environments/${encodeURIComponent(env)}/plan${query}`;
        return printPlan(out, await server.get<PlanView>(path), Boolean(options.json));
      }
      await withLocalRuntime(
        options,
        async (runtime) => printPlan(out, await planView(runtime.deps, app, env, opts.version), Boolean(options.json)),
        { work: false },
      );
    });

  remoteCapable(program.command('deploy'))
    .description('deploy a release to an environment (newest accepted release by default)')
    .argument('<app>')
    .argument('<env>')
    .option('--version <v>', 'version, git sha or branch')
    .option('--wait', 'follow the deployment until it ends')
    .action((app: string, env: string, opts: { version?: string; wait?: boolean }) =>
      run(program, out, { type: 'deploy', app, env, version: opts.version }, Boolean(opts.wait)),
    );

  remoteCapable(program.command('rollback'))
    .description('back to the previous successful release')
    .argument('<app>')
    .argument('<env>')
    .option('--wait', 'follow the deployment until it ends')
    .action((app: string, env: string, opts: { wait?: boolean }) =>
      run(program, out, { type: 'rollback', app, env }, Boolean(opts.wait)),
    );

  remoteCapable(program.command('promote'))
    .description('the same tarball, by sha256, from one environment to another')
    .argument('<app>')
    .argument('<from-env>')
    .argument('<to-env>')
    .option('--wait', 'follow the deployment until it ends')
    .action((app: string, from: string, to: string, opts: { wait?: boolean }) =>
      run(program, out, { type: 'promote', app, from, to }, Boolean(opts.wait)),
    );

  remoteCapable(program.command('abort'))
    .description('stop the running deployment of an environment; the hosts it touched roll back (audited)')
    .argument('<app>')
    .argument('<env>')
    .option('--reason <text>', 'why (kept in the deployment record)')
    .option('--wait', 'follow until the hosts are rolled back (exit 0 when they are)')
    .action((app: string, env: string, opts: { reason?: string; wait?: boolean }) =>
      run(
        program,
        out,
        { type: 'abort', app, env, reason: opts.reason },
        Boolean(opts.wait),
        (d) => d.status === 'rolled_back',
      ),
    );

  remoteCapable(program.command('lock'))
    .description('stop deploys (manual and continuous) to an environment')
    .argument('<app>')
    .argument('<env>')
    .requiredOption('--reason <text>', 'why, shown to whoever tries to deploy')
    .action((app: string, env: string, opts: { reason: string }) =>
      run(program, out, { type: 'lock', app, env, reason: opts.reason }, false),
    );

  remoteCapable(program.command('unlock'))
    .description('allow deploys again')
    .argument('<app>')
    .argument('<env>')
    .action((app: string, env: string) => run(program, out, { type: 'unlock', app, env }, false));

  remoteCapable(program.command('maintenance'))
    .description('nginx answers 503 with the maintenance page for this instance only (on), or serves it again (off)')
    .argument('<mode>', 'on or off')
    .argument('<app>')
    .argument('<env>')
    .option('--reason <text>', 'why, kept in the history')
    .action((mode: string, app: string, env: string, opts: { reason?: string }) => {
      if (mode !== 'on' && mode !== 'off') throw new TarmacError(`maintenance mode "${mode}" — say on or off`);
      const reason = opts.reason ? { reason: opts.reason } : {};
      return run(program, out, { type: 'maintenance', app, env, on: mode === 'on', ...reason }, false);
    });

  registerStatus(program, out);
}
