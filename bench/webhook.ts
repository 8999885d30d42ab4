/**
 * Intake benchmark: `npx tsx bench/webhook.ts [intake|lambda]` (not part of the test suite; default: both).
 *
 * 1. wrk, 10 s at 1 and at 50 connections, against `tarmac serve` (a real process over the local SQLite
 *    stores, its worker on, working the push jobs as they arrive): a signed GitHub push → verified → claimed
 *    in state → durably enqueued. The body (and so its signature) is fixed; a Lua script gives every
 *    request its own X-GitHub-Delivery, so none is a duplicate.
 * 2. The same load, in the same run, against a bare Hono route that only checks the HMAC and answers 202.
 * 3. The webhook Lambda bundle as the stack builds it, and its cold import (bench/support/lambda-cold.ts).
 *
 * Goals (issue #15): throughput ≥ 0.5× the bare route, p99 ≤ 2× bare's; cold import ≤ 120 ms.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FileSecretStore } from '../functions/adapters/local';
import { hmacHex } from '../functions/http/signatures';
import { lambdaFigures } from './support/lambda-cold';

const ROOT = new URL('..', import.meta.url).pathname;
const SECRET = 'bench-webhook-secret';
const DURATION = '10s';
const only = process.argv[2];
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const body = JSON.stringify({
  ref: 'refs/heads/main',
  before: 'a'.repeat(40),
  after: 'b'.repeat(40),
  deleted: false,
  repository: { full_name: 'acme/hello' },
  pusher: { name: 'bench' },
});

/** wrk script: fixed signed body; a unique delivery id per request (per thread prefix + counter). */
function luaScript(): string {
  const headers = {
    'Content-Type': 'application/json',
    'X-GitHub-Event': 'push',
    'X-Hub-Signature-256': `sha256=${hmacHex(SECRET, body)}`,
  };
  return `
wrk.method = "POST"
wrk.body = ${JSON.stringify(body)}
${Object.entries(headers)
  .map(([k, v]) => `wrk.headers["${k}"] = "${v}"`)
  .join('\n')}
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
local counter = 0
local run = tostring(os.time())
function request()
  counter = counter + 1
  wrk.headers["X-GitHub-Delivery"] = string.format("bench-%s-%d-%d", run, tid or 0, counter)
  return wrk.format()
end
`;
}

interface WrkResult {
  rps: number;
  /** CPU (user + system, all threads) the server process spent per request answered during the run. */
  cpuUsPerRequest: number;
  p50: string;
  p99: string;
  p99ms: number;
  requests: number;
  non2xx: number;
  errors: string;
}

function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(value);
  if (!match) return Number.NaN;
  const n = Number(match[1]);
  return match[2] === 'us' ? n / 1000 : match[2] === 's' ? n * 1000 : n;
}

/** User + system CPU seconds of a process so far, all its threads (Linux /proc; 100 ticks a second). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function wrk(url: string, connections: number, script: string, pid: number): WrkResult {
  const threads = Math.min(connections, 2);
  const cpuBefore = cpuSeconds(pid);
  const out = execFileSync(
    'wrk',
    [`-t${threads}`, `-c${connections}`, `-d${DURATION}`, '--latency', '-s', script, url],
    {
      encoding: 'utf8',
    },
  );
  const cpu = cpuSeconds(pid) - cpuBefore;
  const p50 = /^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '?';
  const p99 = /^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '?';
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  return {
    cpuUsPerRequest: requests > 0 ? (cpu * 1e6) / requests : Number.NaN,
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN),
    p50,
    p99,
    p99ms: toMs(p99),
    requests,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    errors: /Socket errors:.*$/m.exec(out)?.[0] ?? '',
  };
}

/** Spawn a server process and wait for its "listening on <url>" line. */
function startProcess(
  args: string[],
  env: Record<string, string>,
  logFile: string,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', openSync(logFile, 'a')],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve({ child, url });
    });
    child.once('exit', (code) =>
      reject(new Error(`${args.join(' ')} exited with ${code}: ${output} (see ${logFile})`)),
    );
  });
}

function pidOf(child: ChildProcess): number {
  if (child.pid === undefined) throw new Error('server process has no pid');
  return child.pid;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await done;
}

/**
 * Jobs on disk after the run: the worker is on, so a job is either still a queue message or already has its
 * exactly-once record in state; counted by idempotency key, so one in flight (both) counts once.
 */
function durableJobs(dataDir: string): { jobs: number; queued: number } {
  const keys = new Set<string>();
  const queue = new Database(join(dataDir, 'queue.db'), { readonly: true });
  const rows = queue.prepare('SELECT dedup_key AS k FROM messages').all() as { k: string }[];
  for (const row of rows) keys.add(row.k);
  queue.close();
  const state = new Database(join(dataDir, 'state.db'), { readonly: true });
  for (const row of state.prepare("SELECT sk AS k FROM items WHERE pk = 'job'").all() as { k: string }[])
    keys.add(row.k);
  state.close();
  return { jobs: keys.size, queued: rows.length };
}

function line(name: string, r: WrkResult): string {
  const bad = r.non2xx ? `  ${r.non2xx} non-2xx!` : '';
  const cpu = `${r.cpuUsPerRequest.toFixed(0).padStart(5)} µs CPU/req`;
  return `  ${name.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.padStart(8)}   p99 ${r.p99.padStart(8)}   ${cpu}${bad} ${r.errors}`;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tarmac-bench-'));
  const dataDir = join(work, 'data');
  const secrets = new FileSecretStore(join(dataDir, 'secrets'));
  for (const name of ['github_webhook_secret', 'slack_signing_secret', 'build_webhook_secret']) {
    await secrets.set('_global', name, SECRET);
  }
  const script = join(work, 'push.lua');
  writeFileSync(script, luaScript());
  const children: ChildProcess[] = [];
  try {
    console.log(
      `machine: ${cpus().length} cpus, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    if (only !== 'lambda') await intake(work, dataDir, script, children);
    if (only !== 'intake') await lambda(work);
  } finally {
    for (const child of children) await stop(child);
    rmSync(work, { recursive: true, force: true });
  }
}

async function intake(work: string, dataDir: string, script: string, children: ChildProcess[]): Promise<void> {
  const tarmac = await startProcess(
    ['bin/tarmac.ts', '--config', 'examples/tarmac.yml', '--data', dataDir, 'serve', '--port', '0'],
    {},
    join(work, 'serve.log'),
  );
  children.push(tarmac.child);
  const bare = await startProcess(['bench/bare-hmac-server.ts'], { BENCH_SECRET: SECRET }, join(work, 'bare.log'));
  children.push(bare.child);

  const results: Record<string, WrkResult> = {};
  for (const connections of [1, 50]) {
    results[`tarmac-${connections}`] = wrk(`${tarmac.url}/webhooks/github`, connections, script, pidOf(tarmac.child));
    results[`bare-${connections}`] = wrk(`${bare.url}/webhooks/github`, connections, script, pidOf(bare.child));
  }
  await stop(tarmac.child);
  const queued = durableJobs(dataDir);

  console.log(`\nsigned GitHub push, wrk ${DURATION} per row:`);
  for (const connections of [1, 50]) {
    const t = results[`tarmac-${connections}`] as WrkResult;
    const b = results[`bare-${connections}`] as WrkResult;
    console.log(`${connections} connection${connections > 1 ? 's' : ''}:`);
    console.log(line('tarmac serve (durable)', t));
    console.log(line('bare Hono HMAC route', b));
    console.log(
      `  ratio tarmac/bare: ${(t.rps / b.rps).toFixed(2)}×   (CPU per request ${(t.cpuUsPerRequest / b.cpuUsPerRequest).toFixed(1)}× bare's; load average ${loadavg()[0]?.toFixed(1)})`,
    );
  }
  const accepted = Object.entries(results)
    .filter(([k]) => k.startsWith('tarmac'))
    .reduce((sum, [, r]) => sum + r.requests - r.non2xx, 0);
  console.log(
    `durable jobs after the run (still queued or recorded by the worker): ${queued.jobs} (${queued.queued} still queued; 2xx answers from tarmac: ${accepted}) → ${queued.jobs >= accepted ? 'none lost' : 'LOST SOME'}`,
  );
  const t50 = results['tarmac-50'] as WrkResult;
  const b50 = results['bare-50'] as WrkResult;
  const p99Ratio = t50.p99ms / b50.p99ms;
  console.log(
    `goal p99 ≤ 2× bare's at 50 connections: ${t50.p99} vs ${b50.p99} (${p99Ratio.toFixed(1)}×) → ${p99Ratio <= 2 ? 'met' : 'NOT met'}`,
  );
  const ratio = t50.rps / b50.rps;
  console.log(
    `goal throughput ≥ 0.5× bare at 50 connections: ${ratio.toFixed(2)}× → ${ratio >= 0.5 ? 'met' : 'NOT met'}`,
  );
}

async function lambda(work: string): Promise<void> {
  const figures = await lambdaFigures(work);
  const runs = (r: number[]) => r.map((x) => x.toFixed(0)).join(' ');
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
  const cold = figures.cold.medianMs;
  console.log(`\nwebhook Lambda bundle, as the stack builds it (CommonJS, minified, node22, @aws-sdk/* external):`);
  console.log(
    `  ${kb(figures.bytes)}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `  cold import, median of 10 fresh node processes: ${cold.toFixed(0)} ms → ${cold <= 120 ? 'met' : 'NOT met'} (≤ 120 ms); runs: ${runs(figures.cold.runs)}`,
  );
  console.log(
    `  the ESM bundle it was (SDK imports hoisted, all loaded at once): ${kb(figures.esmBytes)}, ${figures.esmCold.medianMs.toFixed(0)} ms; runs: ${runs(figures.esmCold.runs)}`,
  );
  console.log(
    `  the SDK clients a push needs, alone (DynamoDB, SQS, SSM): ${figures.sdkOnly.medianMs.toFixed(0)} ms — loaded on the first request, not at cold start`,
  );
  console.log(`  ratio ESM/CommonJS: ${(figures.esmCold.medianMs / cold).toFixed(1)}×`);
}

await main();
