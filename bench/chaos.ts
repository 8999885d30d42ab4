/**
 * Chaos bench: N rounds (`--rounds`, default 20) of a 2-host staging deploy during which `tarmac serve`'s
 * whole process group is SIGKILLed at a random point and started again at once. Each round prints the kill
 * point (ms after the request was queued, and what the hosts were doing), the time from the restart until
 * every deployment has ended, the deploy request's outcome and each host's serving version. Last line:
 * `K/N rounds settled within 30 s with every host serving`.
 *
 * Boots its own hosts h1, h2 under the machine-wide hosts flock and stops everything it started.
 * Run: `npx tsx bench/chaos.ts [--rounds 20]` (root; the fixture release built by scripts/build-fixture.sh).
 */
import type { ChildProcess } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLocalAdapters } from '../functions/adapters/local';
import { deploymentHistory } from '../functions/state/deployments';
import { jobOutcome } from '../functions/state/jobs';
import { buildFixture, REPO_ROOT } from '../test/support/fixture';
import { bootTestHosts } from '../test/support/hosts';
import {
  deployJob,
  enqueue,
  ingestJob,
  seedSecrets,
  serving,
  settled,
  startServe,
  waitForRelease,
} from './support/chaos-server';

const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 20;
if (!Number.isInteger(rounds) || rounds < 1)
  throw new Error(`--rounds ${process.argv[roundsArg + 1]} is not a positive integer`);
const SETTLE_LIMIT_MS = 30_000;
const GIVE_UP_MS = 90_000;
const LOG_COPY = join(REPO_ROOT, '.cache', 'chaos-serve.log');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGKILL a process group; the caller starts the next server without waiting for the old one to be reaped. */
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-(child.pid as number), 'SIGKILL');
  } catch {
    // Already gone.
  }
}

async function waitSettled(dataDir: string, limitMs: number): Promise<{ ms: number; detail: string; done: boolean }> {
  const started = Date.now();
  for (;;) {
    const state = await settled(dataDir);
    if (state.done || Date.now() - started > limitMs) return { ms: Date.now() - started, ...state };
    await sleep(100);
  }
}

/** What the deployment of `key` was doing at the kill: the host events in progress. */
async function phaseOf(dataDir: string, key: string): Promise<string> {
  const adapters = openLocalAdapters(dataDir);
  try {
    const id = (await jobOutcome(adapters.state, key))?.deploymentId;
    const [latest] = await deploymentHistory(adapters.state, 'hello', 'staging', 1);
    if (!latest || latest.id !== id) return 'not started';
    const running = latest.hosts.flatMap((h) =>
      h.events.filter((e) => e.status === 'in_progress').map((e) => `${h.host} ${e.event}`),
    );
    return running.join(', ') || latest.status;
  } finally {
    adapters.close();
  }
}

async function outcomeOf(dataDir: string, key: string): Promise<string> {
  const adapters = openLocalAdapters(dataDir);
  try {
    const record = await jobOutcome(adapters.state, key);
    if (record?.status !== 'done') return `request ${record?.status ?? 'not started'}`;
    const deployment = (await deploymentHistory(adapters.state, 'hello', 'staging', 50)).find(
      (d) => d.id === record.deploymentId,
    );
    return deployment ? `${deployment.version} ${deployment.status}` : (record.result?.outcome ?? '?');
  } finally {
    adapters.close();
  }
}

const tarballs = buildFixture();
const hosts = await bootTestHosts(2);
const { dataDir } = hosts;
let server: ChildProcess | undefined;
let ok = 0;
try {
  const adapters = openLocalAdapters(dataDir);
  await seedSecrets(adapters);
  for (const version of ['1.0.0', '2.0.0'] as const)
    await enqueue(adapters, await ingestJob(adapters, tarballs[version], version));
  const first = deployJob('1.0.0');
  await enqueue(adapters, first);
  adapters.close();
  const setupStart = Date.now();
  server = startServe(dataDir);
  await waitForRelease(dataDir, '2.0.0');
  const setup = await waitSettled(dataDir, GIVE_UP_MS);
  const deployMs = Date.now() - setupStart;
  process.stdout.write(
    `setup: 2 hosts, ingest + first deploy in ${deployMs} ms (${await outcomeOf(dataDir, first.idempotencyKey)}; ${setup.detail})\n`,
  );
  // Kill points are drawn over one undisturbed deploy's duration, measured here (2.0.0 over 1.0.0).
  const baseline = deployJob('2.0.0');
  const baseAdapters = openLocalAdapters(dataDir);
  await enqueue(baseAdapters, baseline);
  baseAdapters.close();
  const baselineStart = Date.now();
  await sleep(200);
  await waitSettled(dataDir, GIVE_UP_MS);
  const window = Date.now() - baselineStart;
  process.stdout.write(
    `baseline: a 2-host deploy without a kill takes ${window} ms (${await outcomeOf(dataDir, baseline.idempotencyKey)}); kill points are drawn from 0–${window} ms\n`,
  );
  for (let round = 1; round <= rounds; round++) {
    const version = round % 2 === 1 ? '1.0.0' : '2.0.0';
    const job = deployJob(version);
    const queue = openLocalAdapters(dataDir);
    await enqueue(queue, job);
    queue.close();
    const killAt = Math.round(Math.random() * window);
    await sleep(killAt);
    const phase = await phaseOf(dataDir, job.idempotencyKey);
    killGroup(server);
    server = startServe(dataDir);
    const result = await waitSettled(dataDir, GIVE_UP_MS);
    const versions = await Promise.all(hosts.hosts.map(async (h) => `${h.name}=${await serving(h.address)}`));
    const good = result.done && result.ms <= SETTLE_LIMIT_MS && versions.every((v) => /=\d+\.\d+\.\d+$/.test(v));
    if (good) ok++;
    const settledText = result.done
      ? `settled in ${result.ms} ms`
      : `NOT settled after ${result.ms} ms (${result.detail})`;
    process.stdout.write(
      `round ${String(round).padStart(2)}: deploy ${version}, kill at ${killAt} ms (${phase}); ${settledText}; ${await outcomeOf(dataDir, job.idempotencyKey)}; ${versions.join(' ')}${good ? '' : '  ✗'}\n`,
    );
  }
  // Nothing lost: every request ended (done or dead-lettered with its reason), nothing is left queued.
  const end = openLocalAdapters(dataDir);
  const dead = await end.queue.deadLetters();
  process.stdout.write(
    `queue: ${end.queue.depth()} still queued, ${dead.length} dead-lettered${dead.map((d) => `\n  ${JSON.stringify(d)}`).join('')}\n`,
  );
  end.close();
} finally {
  if (server) {
    const exited = new Promise((r) => server?.once('exit', r));
    try {
      process.kill(-(server.pid as number), 'SIGTERM');
    } catch {}
    await Promise.race([exited, sleep(20_000)]);
    killGroup(server);
  }
  copyFileSync(join(dataDir, 'serve.out'), LOG_COPY);
  await hosts.teardown();
}
process.stdout.write(`server logs of every round: ${LOG_COPY}\n`);
process.stdout.write(`${ok}/${rounds} rounds settled within ${SETTLE_LIMIT_MS / 1000} s with every host serving\n`);
