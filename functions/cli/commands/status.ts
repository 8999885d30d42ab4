import type { Command } from 'commander';
import { formatAge } from '../../core/clock';
import { allInstances, findApp, requireApp } from '../../core/config';
import type { TarmacConfig } from '../../core/config/schema';
import type { Deployment } from '../../core/deployments';
import { type DurationEstimate, describeEstimate, describeProgress, progressOf } from '../../core/estimate';
import type { Maintenance } from '../../core/maintenance';
import type { EnvironmentSummary } from '../../core/summaries';
import type { AccessRecord } from '../../state/access';
import type { FailedJob } from '../../state/failed-jobs';
import type { FleetView } from '../../state/fleet-health';
import type { EnvironmentActivity } from '../../state/read-api';
import { stateReadApi } from '../../state/state-read-api';
import { withLocalRuntime } from '../local-client';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';
import { ServerClient } from '../server-client';
import { remoteCapable, serverFor } from '../server-mode';
import { accessLine } from './access-history';
import { printOperations, showOperations } from './operations';

/** GET a JSON document of the tarmac read API (`--server`), with `TARMAC_TOKEN` when set. */
export function api<T>(server: string, path: string): Promise<T> {
  return new ServerClient(server).get<T>(path);
}

async function remoteSummaries(server: ServerClient, app?: string): Promise<EnvironmentSummary[]> {
  const apps = app ? [app] : (await server.get<{ apps: { name: string }[] }>('/apps')).apps.map((a) => a.name);
  const all = await Promise.all(
    apps.map((name) => server.get<{ environments: EnvironmentSummary[] }>(`/apps/${encodeURIComponent(name)}`)),
  );
  return all.flatMap((a) => a.environments);
}

function printSummaries(out: Output, summaries: readonly EnvironmentSummary[], now: Date): void {
  for (const s of summaries) {
    const current = s.current
      ? `${s.current.version} (since ${formatAge(s.current.at, now)} ago)`
      : '(nothing deployed)';
    out.write(`${`${s.app}/${s.env}`.padEnd(24)} ${current}\n`);
    if (s.lock) out.write(`  locked by ${s.lock.by} ${formatAge(s.lock.since, now)} ago: "${s.lock.reason}"\n`);
    if (s.maintenance?.on) {
      const why = s.maintenance.reason ? `: "${s.maintenance.reason}"` : '';
      out.write(`  MAINTENANCE on since ${formatAge(s.maintenance.since, now)} ago by ${s.maintenance.by}${why}\n`);
    }
    for (const p of s.pending) out.write(`  pending ${p.version} (${p.id}) requested by ${p.requestedBy}\n`);
    const last = s.recent[0];
    if (last) {
      out.write(
        `  last: ${last.version} ${last.status.replace('_', ' ')} ${formatAge(last.createdAt, now)} ago (${last.trigger} by ${last.requestedBy})\n`,
      );
    }
    if (s.estimate) out.write(`  ${estimateLine(s.estimate, last, now)}\n`);
  }
}

/** `usually takes 41 s (p90 of the last 7)`, and for a running deployment how far along it is. */
function estimateLine(estimate: DurationEstimate, last: Deployment | undefined, now: Date): string {
  const progress = last && progressOf(last, estimate, now);
  const running = last && progress ? ` — ${last.version} running: ${describeProgress(progress, estimate)}` : '';
  return `${describeEstimate(estimate)}${running}`;
}

const fleetsOf = (config: TarmacConfig, app?: string) =>
  app ? [findApp(config, app)?.fleet ?? ''] : Object.keys(config.fleets);

async function showRemoteOperations(out: Output, server: ServerClient): Promise<void> {
  try {
    const { fleets } = await server.get<{ fleets: FleetView[] }>('/fleets');
    const { failedJobs } = await server.get<{ failedJobs: FailedJob[] }>('/failed-jobs?limit=5');
    printOperations(out, fleets, failedJobs);
  } catch (error) {
    // A server from before these endpoints still answers the environments above.
    out.write(`(fleets and failed jobs unavailable: ${error instanceof Error ? error.message : String(error)})\n`);
  }
}

/** Deployments, operator sessions and maintenance switches of an environment, newest first, one line each. */
function printHistory(
  out: Output,
  app: string,
  env: string,
  history: readonly Deployment[],
  access: readonly AccessRecord[] = [],
  maintenance: readonly Maintenance[] = [],
): void {
  if (history.length === 0) out.write(`${app}/${env}: no deployments yet\n`);
  const lines = [
    ...history.map((d) => {
      const hosts = d.hosts.map((h) => `${h.host}:${h.status}`).join(' ');
      const aborted = d.aborted
        ? `  aborted by ${d.aborted.by}${d.aborted.reason ? `: "${d.aborted.reason}"` : ''}`
        : '';
      return `${d.createdAt}  ${d.version.padEnd(12)} ${d.status.padEnd(11)} ${d.trigger.padEnd(8)} ${d.requestedBy.padEnd(10)} ${hosts}${aborted}`;
    }),
    ...access.map(accessLine),
    ...maintenance.map((m) => {
      const state = `maintenance ${m.on ? 'on' : 'off'}`;
      return `${m.since}  ${state.padEnd(24)} ${m.by.padEnd(10)} ${m.hosts.join(' ')}${m.reason ? ` "${m.reason}"` : ''}`;
    }),
  ];
  // Newest first, operator sessions between the deployments they happened between (ISO times sort as text).
  for (const line of lines.sort().reverse()) out.write(`${line}\n`);
}

export function registerStatus(program: Command, out: Output): void {
  remoteCapable(program.command('status'))
    .description('environments: current release, lock (and how old), pending and last deployment')
    .argument('[app]')
    .action(async (app?: string) => {
      const options = program.opts<GlobalOptions>();
      const show = (summaries: EnvironmentSummary[]) =>
        options.json
          ? out.write(`${JSON.stringify(summaries, null, 2)}\n`)
          : printSummaries(out, summaries, new Date());
      const server = serverFor(options);
      if (server) {
        show(await remoteSummaries(server, app));
        if (!options.json) await showRemoteOperations(out, server);
        return;
      }
      await withLocalRuntime(
        options,
        async (runtime) => {
          const config = runtime.deps.config;
          if (app) requireApp(config, app);
          const read = stateReadApi(runtime.adapters.state, runtime.deps.deployer);
          const instances = allInstances(config).filter((i) => !app || i.app === app);
          show(await Promise.all(instances.map((i) => read.environment(i.app, i.env))));
          if (!options.json) await showOperations(out, read, fleetsOf(config, app));
        },
        { work: false },
      );
    });

  remoteCapable(program.command('history'))
    .description('recent deployments of an environment, newest first')
    .argument('<app>')
    .argument('<env>')
    .option('--limit <n>', 'how many', '20')
    .action(async (app: string, env: string, opts: { limit: string }) => {
      const options = program.opts<GlobalOptions>();
      const limit = Number.parseInt(opts.limit, 10) || 20;
      const show = (history: Deployment[]) =>
        options.json ? out.write(`${JSON.stringify(history, null, 2)}\n`) : printHistory(out, app, env, history);
      const server = serverFor(options);
      if (server) {
        const path = `/apps/${encodeURIComponent(app)}/environments/${encodeURIComponent(env)}/deployments?limit=${limit}`;
        const answer = await server.get<{ deployments: Deployment[] } & Partial<EnvironmentActivity>>(path);
        if (options.json) return show(answer.deployments);
        return printHistory(out, app, env, answer.deployments, answer.access, answer.maintenance);
      }
      await withLocalRuntime(
        options,
        async (runtime) => {
          const read = stateReadApi(runtime.adapters.state);
          const history = [...(await read.history(app, env, limit))];
          if (options.json) return show(history);
          const activity = await read.activity?.(app, env, limit);
          printHistory(out, app, env, history, activity?.access, activity?.maintenance);
        },
        {
          work: false,
        },
      );
    });
}
