import type { AddressInfo } from 'node:net';
import { type LocalAdapters, openLocalAdapters } from '../adapters/local';
import type { TarmacConfig } from '../core/config/schema';
import { TarmacError } from '../core/errors';
import { GLOBAL_SCOPE } from '../core/secrets';
import type { Hosts } from '../hosts/manager';
import { unreachableLocalHosts } from '../hosts/unreachable';
import { createApp } from '../http/app';
import type { IntakeLimits } from '../http/deps';
import { readToken } from '../http/read-token';
import { IntakeSecrets } from '../http/secrets';
import { createLogger, type Logger } from '../log';
import { planView } from '../state/plan-view';
import { stateReadApi } from '../state/state-read-api';
import { hasNamedTokens } from '../state/token-check';
import { websocketConsoles } from './console-hosts';
import { consoleRoute } from './console-socket';
import { closeServer, isLoopback, listen, OpenBindError } from './listen';
import { localOperatorAccess } from './operator';
import { fleetHostsOf } from './runtime';

/** Stops whatever an {@link ServeOptions.onStarted} hook started (e.g. the worker loop). */
export type Stopper = () => Promise<void> | void;

export interface ServeOptions {
  readonly config: TarmacConfig;
  /** Local-mode data directory (`--data`); its stores are opened unless `adapters` is given. */
  readonly dataDir?: string;
  /** Already opened local adapters (tests); the caller keeps ownership and closes them. */
  readonly adapters?: LocalAdapters;
  /** @default 8787; 0 picks a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * Listen on a non-loopback address without a read token: the read API and the dashboard (deployments,
   * who asked, locks) are then open to the network. Refused unless set. @default false
   */
  readonly insecureOpen?: boolean;
  /** @default createLogger({ sync: false }) (JSON lines on stderr, written in the background) */
  readonly logger?: Logger;
  readonly limits?: Partial<IntakeLimits>;
  /**
   * The hosts `console --server` reaches (`GET /api/…/console`, a WebSocket). @default the fleet hosts of
   * `dataDir` (local test hosts and the configuration's SSH servers); neither: no console route
   */
  readonly consoleHosts?: Hosts;
  /** Which hosts are down, for `GET /api/…/plan`. @default the local test hosts of `dataDir` */
  readonly unreachableHosts?: (hosts: readonly string[]) => Promise<string[]>;
  /**
   * Runs once the server listens, with the same adapters: the seam where `tarmac serve` starts the worker
   * loop and the local deployer. What it returns is called first on close.
   */
  readonly onStarted?: (context: {
    adapters: LocalAdapters;
    url: string;
    logger: Logger;
  }) => Promise<Stopper | undefined> | Stopper | undefined;
}

export interface RunningServer {
  readonly url: string;
  readonly adapters: LocalAdapters;
  /** Stop accepting, finish in-flight requests, stop the `onStarted` work, close the stores we opened. */
  close(): Promise<void>;
}

/**
 * Serve the intake app on `@hono/node-server` over the local adapters. Fails before listening when an intake
 * secret is missing, naming the command that sets each one.
 *
 * @example
 *   const server = await startServer({ config, dataDir: '.tarmac', port: 0 });
 *   await fetch(`${server.url}/health`);
 *   await server.close();
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  if (!options.adapters && !options.dataDir) throw new TarmacError('startServer needs dataDir or adapters');
  const logger = options.logger ?? createLogger({ sync: false });
  // A server: checkpoints on their own thread, so no request waits for one (adapters/local/checkpointer.ts).
  const adapters =
    options.adapters ??
    openLocalAdapters(options.dataDir as string, {
      backgroundCheckpoints: true,
      onCheckpointerStopped: (reason) =>
        logger.warn({ event: 'sqlite.checkpointer', reason }, 'WAL checkpoints are inline again'),
    });
  const ownsAdapters = !options.adapters;
  try {
    await assertIntakeSecrets(adapters);
    const host = options.host ?? '127.0.0.1';
    const dashboardToken = readToken((await adapters.secrets.get(GLOBAL_SCOPE, 'dashboard_token')) ?? undefined);
    const guarded = dashboardToken !== undefined || hasNamedTokens(await adapters.secrets.getAll(GLOBAL_SCOPE));
    if (!guarded && !isLoopback(host) && !options.insecureOpen) throw new OpenBindError(host);
    const unreachableHosts =
      options.unreachableHosts ?? (options.dataDir ? unreachableLocalHosts(options.dataDir) : undefined);
    const planDeps = {
      config: options.config,
      state: adapters.state,
      ...(unreachableHosts ? { unreachableHosts } : {}),
    };
    // The hosts the deployer uses (test hosts, SSH servers): consoles, logs and eval reach them through one set.
    const fleetHosts = options.dataDir ? fleetHostsOf(options.dataDir, options.config, logger) : undefined;
    const consoleHosts = options.consoleHosts ?? fleetHosts;
    const operator = fleetHosts
      ? localOperatorAccess({ config: options.config, hosts: fleetHosts, adapters, logger })
      : undefined;
    const app = createApp({
      ...adapters,
      ...(consoleHosts ? { consoles: websocketConsoles(options.config) } : {}),
      ...(operator ? { operator } : {}),
      dashboardToken,
      config: options.config,
      logger,
      limits: options.limits ?? {},
      readApi: { ...stateReadApi(adapters.state), plan: (app, env, ref) => planView(planDeps, app, env, ref) },
    });
    if (consoleHosts) consoleRoute(app, { config: options.config, hosts: consoleHosts, state: adapters.state, logger });
    const server = await listen(app.fetch, options.port ?? 8787, options.host ?? '127.0.0.1');
    const { port } = server.address() as AddressInfo;
    const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
    logger.info({ url }, 'tarmac intake listening');
    const stop = (await options.onStarted?.({ adapters, url, logger })) ?? undefined;
    return {
      url,
      adapters,
      async close() {
        await stop?.();
        await closeServer(server);
        await fleetHosts?.close();
        if (ownsAdapters) adapters.close();
      },
    };
  } catch (error) {
    if (ownsAdapters) adapters.close();
    throw error;
  }
}

async function assertIntakeSecrets(adapters: LocalAdapters): Promise<void> {
  const missing = await new IntakeSecrets(adapters.secrets, adapters.clock).missing();
  if (missing.length === 0) return;
  const commands = missing.map((name) => `  tarmac secrets set _global ${name} --stdin`).join('\n');
  throw new TarmacError(
    `intake secret${missing.length > 1 ? 's' : ''} not set: ${missing.join(', ')} — the intake never runs without verifying signatures. Set:\n${commands}`,
    { missing },
  );
}
