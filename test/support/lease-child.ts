/**
 * A CLI-like process working a data dir's queue, for the worker-lease tests:
 * `node --import tsx test/support/lease-child.ts <dataDir>`. Opens the local runtime as a CLI command does
 * (works the queue while it holds the lease, hands it over to a waiting server), prints `working` or
 * `not working` whenever that changes, and closes on SIGTERM.
 */
import { openLocalRuntime } from '../../functions/local/runtime';
import { createLogger } from '../../functions/log';
import { exampleConfig } from './local-deploy';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: lease-child.ts <dataDir>');
const logger = createLogger({ level: 'info' });
const runtime = await openLocalRuntime({ dataDir, config: exampleConfig(), logger });
let last: boolean | undefined;
const timer = setInterval(() => {
  const working = runtime.runner !== undefined;
  if (working !== last) process.stdout.write(`${working ? 'working' : 'not working'}\n`);
  last = working;
}, 50);
process.once('SIGTERM', async () => {
  clearInterval(timer);
  await runtime.close();
  process.exit(0);
});
