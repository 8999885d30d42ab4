import type { Command } from 'commander';
import { fleetHosts, instanceOf, requireEnvironment } from '../../core/config';
import type { TarmacConfig } from '../../core/config/schema';
import { TarmacError } from '../../core/errors';
import type { Job } from '../../core/jobs';
import { planDeployment } from '../../core/plans';
import { getCurrent } from '../../state/deployments';
import { findRelease } from '../../state/releases';
import { submit, waitForJob, watchDeployment, whoami, withLocalRuntime } from '../local-client';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';
import { planLines } from '../plan-text';
import { DeploymentProgress } from '../progress';

function assertInstance(config: TarmacConfig, app: string, env: string): void {
  requireEnvironment(config, app, env);
}

/**
 * Queue a job, wait for the worker to take it, and with `--wait` follow the deployment it started until it
 * ends (exit 1 unless it succeeded). Without `--wait` the deployment id is printed and the command returns.
 */
async function run(
  program: Command,
  out: Output,
  make: (base: Pick<Job, 'v' | 'idempotencyKey' | 'correlationId'>) => Job,
  wait: boolean,
) {
  const options = program.opts<GlobalOptions>();
  await withLocalRuntime(options, async (runtime) => {
    const id = runtime.adapters.ids.next();
    const job = make({ v: 1, idempotencyKey: `cli-${id}`, correlationId: id });
    if ('env' in job) assertInstance(runtime.deps.config, job.app, job.env);
    if (job.type === 'promote') assertInstance(runtime.deps.config, job.app, job.to);
    await submit(runtime, job);
    const record = await waitForJob(runtime, job.idempotencyKey);
    const result = record.result;
    if (!result) throw new TarmacError(`job ${job.idempotencyKey} finished without a result`);
    if (result.outcome === 'refused' || result.outcome === 'rejected' || result.outcome === 'failed') {
      throw new TarmacError(result.message);
    }
    if (!(wait && result.deploymentId)) {
      out.write(options.json ? `${JSON.stringify(result)}\n` : `${result.message}\n`);
      return;
    }
    if (!options.json) out.write(`${result.message}\n`);
    const started = Date.now();
    const progress = new DeploymentProgress(out, { json: Boolean(options.json), startedAt: started, now: Date.now });
    const final = await watchDeployment(runtime, result.deploymentId, (d) => progress.update(d));
    if (!progress.finish(final)) out.exitCode = 1;
  });
}

export function registerDeploy(program: Command, out: Output): void {
  program
    .command('plan')
    .description('what a deploy would do, host by host')
    .argument('<app>')
    .argument('<env>')
    .option('--version <v>', 'version, git sha or branch (default: newest accepted release)')
    .action(async (app: string, env: string, opts: { version?: string }) => {
      const options = program.opts<GlobalOptions>();
      await withLocalRuntime(
        options,
        async (runtime) => {
          assertInstance(runtime.deps.config, app, env);
          const release = await findRelease(runtime.adapters.state, app, opts.version);
          if (!release)
            throw new TarmacError(
              `${app}: no accepted release ${opts.version ? `matching "${opts.version}"` : 'yet'} — tarmac release push <tarball> --app ${app} --version <v>`,
            );
          const instance = instanceOf(runtime.deps.config, app, env);
          const current = await getCurrent(runtime.adapters.state, app, env);
          const hosts = fleetHosts(runtime.deps.config, instance.fleet);
          const plan = planDeployment({
            instance,
            hosts,
            unreachable: (await runtime.deps.unreachableHosts?.(hosts)) ?? [],
            release,
            previousReleaseId: current?.releaseId,
            deploymentId: '(planned)',
            correlationId: '(planned)',
          });
          if (options.json) return out.write(`${JSON.stringify(plan, null, 2)}\n`);
          out.write(
            `${app}/${env}: ${current ? `${current.version} → ` : ''}${release.version} (${release.sha256.slice(0, 12)}) on fleet ${plan.fleet}\n`,
          );
          for (const line of planLines(plan)) out.write(`${line}\n`);
          out.write(
            `unit ${instance.unit}, port ${instance.port}, user ${instance.systemUser}, releases/${release.id}\n`,
          );
        },
        { work: false },
      );
    });

  program
    .command('deploy')
    .description('deploy a release to an environment (newest accepted release by default)')
    .argument('<app>')
    .argument('<env>')
    .option('--version <v>', 'version, git sha or branch')
    .option('--wait', 'follow the deployment until it ends')
    .action((app: string, env: string, opts: { version?: string; wait?: boolean }) =>
      run(
        program,
        out,
        (base) => ({ ...base, type: 'deploy', app, env, ref: opts.version, trigger: 'cli', requestedBy: whoami() }),
        Boolean(opts.wait),
      ),
    );

  program
    .command('rollback')
    .description('back to the previous successful release')
    .argument('<app>')
    .argument('<env>')
    .option('--wait', 'follow the deployment until it ends')
    .action((app: string, env: string, opts: { wait?: boolean }) =>
      run(program, out, (base) => ({ ...base, type: 'rollback', app, env, requestedBy: whoami() }), Boolean(opts.wait)),
    );

  program
    .command('promote')
    .description('the same tarball, by sha256, from one environment to another')
    .argument('<app>')
    .argument('<from-env>')
    .argument('<to-env>')
    .option('--wait', 'follow the deployment until it ends')
    .action((app: string, from: string, to: string, opts: { wait?: boolean }) =>
      run(
        program,
        out,
        (base) => ({ ...base, type: 'promote', app, from, to, requestedBy: whoami() }),
        Boolean(opts.wait),
      ),
    );

  program
    .command('lock')
    .description('stop deploys (manual and continuous) to an environment')
    .argument('<app>')
    .argument('<env>')
    .requiredOption('--reason <text>', 'why, shown to whoever tries to deploy')
    .action((app: string, env: string, opts: { reason: string }) =>
      run(program, out, (base) => ({ ...base, type: 'lock', app, env, reason: opts.reason, by: whoami() }), false),
    );

  program
    .command('unlock')
    .description('allow deploys again')
    .argument('<app>')
    .argument('<env>')
    .action((app: string, env: string) =>
      run(program, out, (base) => ({ ...base, type: 'unlock', app, env, by: whoami() }), false),
    );
}
