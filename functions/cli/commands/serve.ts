import type { Command } from 'commander';
import { TarmacError } from '../../core/errors';
import { GLOBAL_SCOPE } from '../../core/secrets';
import { isLoopback } from '../../local/listen';
import { openLocalRuntime } from '../../local/runtime';
import { startServer } from '../../local/server';
import { loadConfig } from '../context';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';

function portOf(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TarmacError(`--port ${value} is not a port (0–65535)`, { option: '--port', value });
  }
  return port;
}

/**
 * `tarmac serve [--port 8787] [--host 127.0.0.1]`: local mode's HTTP edge over the stores in `--data`.
 * Runs until SIGINT or SIGTERM, then finishes in-flight requests and closes the stores.
 */
export function registerServe(program: Command, out: Output): void {
  program
    .command('serve')
    .description('local mode: serve the intake (webhooks, Slack, uploads, read API) over the --data stores')
    .option('--port <port>', 'port to listen on (0: any free port)', portOf, 8787)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--no-worker', 'intake only: queue work for another process (tarmac serve or a CLI command) to run')
    .option('--insecure-open', 'allow a non-loopback --host without a read token (API and dashboard open to all)')
    .action(async (opts: { port: number; host: string; worker: boolean; insecureOpen?: boolean }) => {
      const options = program.opts<GlobalOptions>();
      const config = loadConfig(options);
      let worker = 'intake only (--no-worker)';
      const server = await startServer({
        config,
        dataDir: options.data,
        port: opts.port,
        host: opts.host,
        insecureOpen: opts.insecureOpen ?? false,
        // The worker and the local deployer run in this process, over the same stores.
        onStarted: async ({ adapters, logger }) => {
          if (!opts.worker) return undefined;
          const githubToken = await adapters.secrets.get(GLOBAL_SCOPE, 'github_token');
          const runtime = await openLocalRuntime({
            dataDir: options.data,
            config,
            logger,
            adapters,
            githubToken,
            waitForLease: true,
          });
          worker = runtime.runner
            ? 'worker and local deployer running'
            : `PID ${runtime.leaseHolder()} works this data dir: this server takes over the queue as soon as it ends`;
          return () => runtime.close();
        },
      });
      out.write(`tarmac serve: listening on ${server.url} (data ${options.data}; ${worker})\n`);
      if (opts.insecureOpen && !isLoopback(opts.host))
        out.error(
          `tarmac serve: warning — the read API and dashboard on ${server.url} need no token (--insecure-open)\n`,
        );
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      out.write(`tarmac serve: ${signal}, shutting down\n`);
      await server.close();
    });
}
