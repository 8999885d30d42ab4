import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { SqsQueue } from '../../adapters/aws/sqs-queue';
import { fleetOfApp } from '../../core/config';
import type { TarmacConfig } from '../../core/config/schema';
import { TarmacError } from '../../core/errors';
import { type Job, jobGroup } from '../../core/jobs';
import type { FleetView } from '../../state/fleet-health';
import { stateReadApi } from '../../state/state-read-api';
import { loadConfig } from '../context';
import { followRequest, localChannel, serverChannel } from '../follow';
import { whoami, withLocalRuntime } from '../local-client';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';
import { jobOf } from '../requests';
import { remoteCapable, serverFor } from '../server-mode';
import { printFleets } from './operations';

function fleetJob(config: TarmacConfig, fleet: string, fields: { reason: string; force: boolean }): Job {
  const id = randomUUID();
  const base = { v: 1 as const, idempotencyKey: `cli-free-${id}`, correlationId: id };
  return jobOf(config, { type: 'fleet-free', fleet, ...fields }, base, whoami());
}

export function registerFleet(program: Command, out: Output): void {
  const fleet = program.command('fleet').description('fleets: which deployment holds each, and freeing a stale one');

  remoteCapable(fleet.command('list'))
    .description('each fleet: free, or held by which deployment since when (STALE when nothing runs it)')
    .action(async () => {
      const options = program.opts<GlobalOptions>();
      const show = (fleets: readonly FleetView[]) =>
        options.json ? out.write(`${JSON.stringify(fleets, null, 2)}\n`) : printFleets(out, fleets, new Date());
      const server = serverFor(options);
      if (server) return show((await server.get<{ fleets: FleetView[] }>('/fleets')).fleets);
      await withLocalRuntime(
        options,
        async (runtime) => {
          const read = stateReadApi(runtime.adapters.state, runtime.deps.deployer);
          const views = await Promise.all(Object.keys(runtime.deps.config.fleets).map((name) => read.fleet?.(name)));
          show(views.filter((v): v is FleetView => v !== undefined));
        },
        { work: false },
      );
    });

  remoteCapable(fleet.command('free'))
    .description('free a fleet whose deployment is gone (audited); --force frees one that still runs')
    .argument('<fleet>')
    .requiredOption('--reason <text>', 'why (kept in the fleet and deployment records)')
    .option('--force', 'free it even though the deployer says the deployment still runs', false)
    .option('--aws', 'send the request to the AWS job queue (TARMAC_QUEUE_URL) instead of working --data')
    .action(async (name: string, opts: { reason: string; force: boolean; aws?: boolean }) => {
      const options = program.opts<GlobalOptions>();
      if (opts.aws) return sendToAws(out, options, name, opts);
      const request = { type: 'fleet-free' as const, fleet: name, reason: opts.reason, force: opts.force };
      const follow = { json: Boolean(options.json), wait: false };
      const server = serverFor(options);
      if (server) return followRequest(serverChannel(server), request, out, follow);
      await withLocalRuntime(options, (runtime) => followRequest(localChannel(runtime), request, out, follow));
    });
}

/** On AWS the worker Lambda frees the fleet (it asks CodeDeploy); the CLI only queues the request. */
async function sendToAws(out: Output, options: GlobalOptions, name: string, opts: { reason: string; force: boolean }) {
  const queueUrl = process.env.TARMAC_QUEUE_URL;
  if (!queueUrl) throw new TarmacError('no job queue for --aws — set TARMAC_QUEUE_URL (the stack output JobQueueUrl)');
  const config = loadConfig(options);
  const job = fleetJob(config, name, { reason: opts.reason, force: opts.force });
  await new SqsQueue({ queueUrl }).send({
    group: jobGroup(fleetOfApp(config), job),
    dedupKey: job.idempotencyKey,
    body: job,
  });
  out.write(`queued ${job.idempotencyKey}: the worker frees fleet ${name} — tarmac --server <url> status shows it\n`);
}
