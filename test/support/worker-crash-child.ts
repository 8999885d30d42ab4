/**
 * A local-mode worker process for the crash tests: `node --import tsx test/support/worker-crash-child.ts <dataDir>`.
 *
 * Opens the local runtime on the data dir (worker lease, recovery of interrupted deployments, queue consumer,
 * local deployer on the data dir's hosts) and works until the queue is empty and fleet `web` is free, then
 * closes and exits 0. With `TARMAC_CRASH_AT=<point>` the worker SIGKILLs itself at that point instead.
 * No clock tricks: taking over the lease of a dead worker makes its received messages due again at once
 * (SqliteQueue.releaseInFlight), so recovery never waits out a visibility timeout. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../functions/core/config';
import { openLocalRuntime } from '../../functions/local/runtime';
import { createLogger } from '../../functions/log';
import { getDeployment } from '../../functions/state/deployments';
import { fleetHolder, listPending } from '../../functions/state/fleets';
import { REPO_ROOT } from './fixture';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: worker-crash-child.ts <dataDir>');
const FLEET = 'web';
const GIVE_UP_MS = 90_000;

const config = parseConfig(readFileSync(join(REPO_ROOT, 'examples/tarmac.yml'), 'utf8'), 'examples/tarmac.yml');
const logger = createLogger({ level: process.env.TARMAC_LOG_LEVEL ?? 'warn' });
const runtime = await openLocalRuntime({ dataDir, config, logger });
const { runner } = runtime;
if (!runner) throw new Error(`another live process holds the worker lease of ${dataDir}`);
const { queue, state } = runtime.adapters;

const started = Date.now();
for (;;) {
  const busy = (await fleetHolder(state, FLEET)) ?? (await listPending(state, FLEET))[0];
  if (queue.depth() === 0 && !busy) break;
  if (Date.now() - started > GIVE_UP_MS) {
    const deployment = busy && (await getDeployment(state, busy.deploymentId));
    throw new Error(
      `the worker did not finish within ${GIVE_UP_MS} ms: ${JSON.stringify({ busy, deployment, depth: queue.depth() })}`,
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await runtime.close();
process.stdout.write(`${JSON.stringify({ pid: process.pid, ms: Date.now() - started })}\n`);
