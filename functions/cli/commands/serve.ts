import type { Command } from 'commander';
import { startServer } from '../../http/serve';
import { loadConfig } from '../context';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';

function portOf(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${value} is not a port (0–65535)`);
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
    .action(async (opts: { port: number; host: string }) => {
      const options = program.opts<GlobalOptions>();
      const server = await startServer({
        config: loadConfig(options),
        dataDir: options.data,
        port: opts.port,
        host: opts.host,
      });
      out.write(`tarmac serve: listening on ${server.url} (data ${options.data})\n`);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      out.write(`tarmac serve: ${signal}, shutting down\n`);
      await server.close();
    });
}
