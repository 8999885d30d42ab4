import { join } from 'node:path';
import { type LocalAdapters, openLocalAdapters } from '../adapters/local';
import { HostFleetCommands } from '../adapters/local/host-commands';
import { LocalDeployer } from '../adapters/local/local-deployer';
import { createNotifier } from '../adapters/notify';
import { findApp, sshHostsOf } from '../core/config';
import type { TarmacConfig } from '../core/config/schema';
import { FleetHosts } from '../hosts/fleet-hosts';
import { HostManager } from '../hosts/manager';
import { reportPlatforms } from '../hosts/platform';
import { SshHosts } from '../hosts/ssh/ssh-hosts';
import type { Logger } from '../log';
import type { Clock, DeployerEvent } from '../ports';
import type { WorkerDeps } from '../worker/deps';
import { deployerEventKey, enqueueDeployerEvent } from '../worker/queue-deployer-event';
import { fleetHolders } from '../worker/recover';
import { createWorker, type Worker } from '../worker/worker';
import { localBundleTarget } from './bundle-target';
import { recoverAfterQueuedWork } from './resume';
import { type LocalRunner, startLocalRunner } from './runner';
import { startWorkerRole } from './worker-role';

export interface LocalRuntime {
  readonly adapters: LocalAdapters;
  readonly deps: WorkerDeps;
  readonly worker: Worker;
  readonly hosts: HostManager;
  /** What the deployer acts on: the SSH servers of the configuration and the local test hosts. */
  readonly fleetHosts: FleetHosts;
  readonly deployer: LocalDeployer;
  /** The queue consumer, when this process holds the data dir's worker lease (else another process works the queue). */
  readonly runner: LocalRunner | undefined;
  /** PID of the process holding the worker lease (this one when `runner` is set). */
  leaseHolder(): number | undefined;
  close(): Promise<void>;
}

/**
 * Compose local mode: SQLite queue and state, artifacts and secrets on disk, the local deployer on local test
 * hosts, the worker, and — when no other process is working this data dir — the queue consumer (after
 * resuming any deployment a crash interrupted).
 */
export async function openLocalRuntime(options: {
  dataDir: string;
  config: TarmacConfig;
  logger: Logger;
  clock?: Clock;
  /** Work the queue in this process (when the lease is free). @default true */
  work?: boolean;
  /**
   * A server: when another process holds the lease, keep trying and take it as soon as that one is gone.
   * Without it (a CLI command), a process that works the queue hands it over to a waiting server.
   */
  waitForLease?: boolean;
  githubToken?: string;
  /** Already opened stores (e.g. the server's); the caller keeps ownership. */
  adapters?: LocalAdapters;
}): Promise<LocalRuntime> {
  const adapters =
    options.adapters ?? openLocalAdapters(options.dataDir, options.clock ? { clock: options.clock } : {});
  const ownsAdapters = !options.adapters;
  const { queue, state, clock } = adapters;
  const fleetHosts = fleetHostsOf(options.dataDir, options.config, options.logger);
  const hosts = fleetHosts.local;
  let runner: LocalRunner | undefined;
  let sequence = 0;
  const onEvent = async (event: DeployerEvent) => {
    // The local deployer may report the same step twice (a restarted deployment): number every event.
    const key = deployerEventKey('evt', event, `-${event.at}-${sequence++}`);
    if (await enqueueDeployerEvent({ queue, state }, event, key)) runner?.nudge();
  };
  const deployer = new LocalDeployer({
    hosts: fleetHosts,
    artifacts: adapters.artifacts,
    secrets: adapters.secrets,
    onEvent,
    clock,
    logger: options.logger,
    workerPidFile: join(options.dataDir, 'worker.pid'),
  });
  const deps: WorkerDeps = {
    config: options.config,
    ...adapters,
    deployer,
    notifier: createNotifier({
      logger: options.logger,
      state,
      github: options.githubToken
        ? { token: options.githubToken, repoOf: (app) => findApp(options.config, app)?.repo }
        : undefined,
    }),
    logger: options.logger,
    fleetCommands: new HostFleetCommands(hosts),
    unreachableHosts: async (names) => {
      const up = new Set((await fleetHosts.list()).map((h) => h.name));
      return names.filter((name) => !up.has(name));
    },
    hostPlatforms: (names) => reportPlatforms(hosts, names, options.logger),
    target: localBundleTarget,
  };
  const worker = createWorker(deps);
  let recovery: Promise<void> | undefined;
  // Take over: what an earlier worker had received is due again, then resume what it was running.
  const onTake = async () => {
    const released = queue.releaseInFlight();
    if (released > 0)
      options.logger.warn({ event: 'queue.released', count: released }, 'messages of a stopped worker are due again');
    const interrupted = await fleetHolders(deps);
    runner = startLocalRunner({ worker, queue, logger: options.logger, idleMs: 50 });
    recovery = recoverAfterQueuedWork(deps, interrupted, (id) => deployer.isRunning(id), queue, options.logger);
  };
  // Give up the role: finish what runs here; its last deployer events stay queued for the next worker. For a
  // hand-over (`handOver`), a deployment that started meanwhile keeps the role here, with the runner back on.
  const onGive = async (handOver = false) => {
    await recovery;
    await runner?.stop();
    runner = undefined;
    if (handOver && !deployer.idle()) {
      runner = startLocalRunner({ worker, queue, logger: options.logger, idleMs: 50 });
      return false;
    }
    await deployer.settled();
    return true;
  };
  const role =
    options.work === false
      ? undefined
      : await startWorkerRole({
          dataDir: options.dataDir,
          logger: options.logger,
          wait: options.waitForLease ?? false,
          handOver: !(options.waitForLease ?? false),
          onTake,
          onGive,
          idle: () => deployer.idle(),
        });
  return {
    adapters,
    deps,
    worker,
    hosts,
    fleetHosts,
    deployer,
    get runner() {
      return runner;
    },
    leaseHolder: () => role?.holder(),
    async close() {
      await role?.close();
      await fleetHosts.close();
      if (ownsAdapters) adapters.close();
    },
  };
}

/** The hosts of a data dir: the configuration's SSH servers over SSH, every other name a local test host. */
export function fleetHostsOf(dataDir: string, config: TarmacConfig, logger: Logger): FleetHosts {
  const ssh = new SshHosts({ dataDir, hosts: sshHostsOf(config), logger });
  return new FleetHosts(new HostManager({ dataDir, logger }), ssh);
}
