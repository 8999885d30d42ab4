/**
 * A local-mode worker process for the crash tests: `node --import tsx test/support/worker-crash-child.ts <dataDir>`.
 *
 * Opens the local runtime on the data dir (worker lease, recovery of interrupted deployments, queue consumer,
 * local deployer on the data dir's hosts) and works until the queue is empty and fleet `web` is free, then
 * closes and exits 0. With `TARMAC_CRASH_AT=<point>` the worker SIGKILLs itself at that point instead.
 *
 * Time: a message the dead process had received stays invisible for its visibility timeout (300 s). When only
 * such messages head their groups, this process lets that time pass — its clock jumps past their timeout —
 * rather than sleeping. The clock skew is kept in `<dataDir>/test-clock-skew` so every later process (and the
 * test enqueueing jobs) lives after it and timestamps never run backwards. Prints one JSON line at the end.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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
const skewFile = join(dataDir, 'test-clock-skew');
let skew = existsSync(skewFile) ? Number(readFileSync(skewFile, 'utf8')) : 0;
const clock = { now: () => new Date(Date.now() + skew) };

interface Head {
  id: string;
  visible_at: number;
}
const queueDb = new Database(join(dataDir, 'queue.db'), { readonly: false, fileMustExist: true });
const headsSql = queueDb.prepare(
  'SELECT id, visible_at FROM messages m WHERE seq = (SELECT MIN(seq) FROM messages WHERE grp = m.grp)',
);
// Received by a process that died: nobody can ack them, they come back after their visibility timeout.
const orphans = new Set(
  (queueDb.prepare('SELECT id FROM messages WHERE visible_at > ?').all(clock.now().getTime()) as Head[]).map(
    (r) => r.id,
  ),
);

const config = parseConfig(readFileSync(join(REPO_ROOT, 'examples/tarmac.yml'), 'utf8'), 'examples/tarmac.yml');
const logger = createLogger({ level: process.env.TARMAC_LOG_LEVEL ?? 'warn' });
const runtime = await openLocalRuntime({ dataDir, config, logger, clock });
const { runner } = runtime;
if (!runner) throw new Error(`another live process holds the worker lease of ${dataDir}`);

const started = Date.now();
let jumps = 0;
for (;;) {
  if (Date.now() - started > GIVE_UP_MS) {
    const holder = await fleetHolder(runtime.adapters.state, FLEET);
    const deployment = holder && (await getDeployment(runtime.adapters.state, holder.deploymentId));
    const queued = queueDb.prepare('SELECT id, body, visible_at, receive_count FROM messages').all();
    throw new Error(
      `the worker did not finish within ${GIVE_UP_MS} ms: ${JSON.stringify({ holder, deployment, queued, skew })}`,
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  const heads = headsSql.all() as Head[];
  const busy =
    (await fleetHolder(runtime.adapters.state, FLEET)) ?? (await listPending(runtime.adapters.state, FLEET))[0];
  if (heads.length === 0 && !busy) break;
  const now = clock.now().getTime();
  // Only a dead process's deliveries block the queue: nothing here is working on them; let their timeout pass.
  if (heads.length > 0 && heads.every((h) => orphans.has(h.id) && h.visible_at > now)) {
    skew += Math.max(...heads.map((h) => h.visible_at)) - now + 1_000;
    writeFileSync(skewFile, String(skew));
    // Visible again: from now on this process receives and works them like any other message.
    for (const head of heads) orphans.delete(head.id);
    jumps += 1;
    runner.nudge();
  }
}
await runtime.close();
queueDb.close();
process.stdout.write(`${JSON.stringify({ pid: process.pid, orphans: orphans.size, jumps, skew })}\n`);
