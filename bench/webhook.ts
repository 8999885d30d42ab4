/**
 * Intake benchmark: `npx tsx bench/webhook.ts [intake|lambda]` (not part of the test suite; default: both).
 *
 * 1. wrk, 10 s at 1 and at 50 connections, against `tarmac serve` (a real process over the local SQLite
 *    stores, its worker on, working the push jobs as they arrive): a signed GitHub push → verified → claimed
 *    in state → durably enqueued. The body (and so its
 *    signature) is fixed; a Lua script gives every request its own X-GitHub-Delivery, so none is a duplicate.
 * 2. The same load, in the same run, against a bare Hono route that only checks the HMAC and answers 202.
 * 3. The webhook Lambda bundle (esbuild, minified, node22, @aws-sdk/* external as on Lambda's runtime) and its
 *    cold import time: median of 10 fresh `node` processes importing it.
 *
 * Goals: p99 < 5 ms at 50 connections; throughput ≥ 0.5× the bare route; bundle ≤ 400 KB; cold import ≤ 80 ms.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { FileSecretStore } from '../functions/adapters/local';
import { hmacHex } from '../functions/http/signatures';

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

function wrk(url: string, connections: number, script: string): WrkResult {
  const threads = Math.min(connections, 2);
  const out = execFileSync(
    'wrk',
    [`-t${threads}`, `-c${connections}`, `-d${DURATION}`, '--latency', '-s', script, url],
    {
      encoding: 'utf8',
    },
  );
  const p50 = /^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '?';
  const p99 = /^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '?';
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN),
    p50,
    p99,
    p99ms: toMs(p99),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
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

/** Median wall time of `import()`ing `specifiers` in 10 fresh node processes (cwd: the repository). */
function coldImport(
  work: string,
  name: string,
  specifiers: string[],
  env: NodeJS.ProcessEnv,
): { medianMs: number; runs: number[] } {
  const probe = join(work, `${name}.mjs`);
  const imports = specifiers.map((s) => `import(${JSON.stringify(s)})`).join(', ');
  writeFileSync(
    probe,
    `const t = performance.now(); await Promise.all([${imports}]); process.stdout.write(String(performance.now() - t));`,
  );
  const runs: number[] = [];
  for (let i = 0; i < 10; i++)
    runs.push(Number(execFileSync(process.execPath, [probe], { env, encoding: 'utf8', cwd: ROOT })));
  const sorted = [...runs].sort((a, b) => a - b);
  return { medianMs: ((sorted[4] ?? 0) + (sorted[5] ?? 0)) / 2, runs };
}

const SDK_PACKAGES = [
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/client-s3',
  '@aws-sdk/client-sqs',
  '@aws-sdk/client-ssm',
  '@aws-sdk/lib-dynamodb',
  '@aws-sdk/s3-request-presigner',
];

async function bundleFigures(work: string) {
  // Inside the repository, so the external @aws-sdk/* resolve from node_modules as they do on Lambda's runtime.
  const outDir = join(ROOT, 'node_modules', '.cache', 'tarmac-bench');
  mkdirSync(outDir, { recursive: true });
  const bundleTo = async (outfile: string, external: string[]) => {
    await build({
      entryPoints: [join(ROOT, 'functions/handlers/webhook.ts')],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      external,
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
      outfile,
      logLevel: 'error',
    });
    return outfile;
  };
  // As Lambda's NodejsFunction bundles by default: the SDK comes from the runtime.
  const outfile = await bundleTo(join(outDir, 'webhook.mjs'), ['@aws-sdk/*']);
  // The alternative: the SDK inside the bundle (bigger file, fewer modules to resolve at cold start).
  const withSdk = await bundleTo(join(outDir, 'webhook-with-sdk.mjs'), []);
  const env = {
    ...process.env,
    AWS_REGION: 'eu-west-1',
    TARMAC_BUCKET: 'bench-bucket',
    TARMAC_TABLE: 'bench-table',
    TARMAC_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/tarmac.fifo',
    TARMAC_CONFIG: join(ROOT, 'examples/tarmac.yml'),
  };
  const sdkPaths = SDK_PACKAGES.map((pkg) => import.meta.resolve(pkg));
  return {
    bytes: statSync(outfile).size,
    bundle: coldImport(work, 'bundle', [outfile], env),
    sdkOnly: coldImport(work, 'sdk', sdkPaths, env),
    withSdkBytes: statSync(withSdk).size,
    withSdk: coldImport(work, 'with-sdk', [withSdk], env),
  };
}

function line(name: string, r: WrkResult): string {
  const bad = r.non2xx ? `  ${r.non2xx} non-2xx!` : '';
  return `  ${name.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.padStart(8)}   p99 ${r.p99.padStart(8)}${bad} ${r.errors}`;
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
  {
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
      results[`tarmac-${connections}`] = wrk(`${tarmac.url}/webhooks/github`, connections, script);
      results[`bare-${connections}`] = wrk(`${bare.url}/webhooks/github`, connections, script);
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
      console.log(`  ratio tarmac/bare: ${(t.rps / b.rps).toFixed(2)}×`);
    }
    const accepted = Object.entries(results)
      .filter(([k]) => k.startsWith('tarmac'))
      .reduce((sum, [, r]) => sum + r.requests - r.non2xx, 0);
    console.log(
      `durable jobs after the run (still queued or recorded by the worker): ${queued.jobs} (${queued.queued} still queued; 2xx answers from tarmac: ${accepted}) → ${queued.jobs >= accepted ? 'none lost' : 'LOST SOME'}`,
    );
    const t50 = results['tarmac-50'] as WrkResult;
    const b50 = results['bare-50'] as WrkResult;
    console.log(`goal p99 < 5 ms at 50 connections: ${t50.p99} → ${t50.p99ms < 5 ? 'met' : 'NOT met'}`);
    const ratio = t50.rps / b50.rps;
    console.log(
      `goal throughput ≥ 0.5× bare at 50 connections: ${ratio.toFixed(2)}× → ${ratio >= 0.5 ? 'met' : 'NOT met'}`,
    );
  }
}

async function lambda(work: string): Promise<void> {
  {
    const bundle = await bundleFigures(work);
    const kb = bundle.bytes / 1024;
    console.log(
      `\nwebhook Lambda bundle (minified, node22, @aws-sdk/* external): ${kb.toFixed(0)} KB → ${kb <= 400 ? 'met' : 'NOT met'} (≤ 400 KB)`,
    );
    const cold = bundle.bundle.medianMs;
    const runs = (r: number[]) => r.map((x) => x.toFixed(0)).join(' ');
    console.log(
      `cold import, median of 10 fresh node processes: ${cold.toFixed(0)} ms → ${cold <= 80 ? 'met' : 'NOT met'} (≤ 80 ms); runs: ${runs(bundle.bundle.runs)}`,
    );
    console.log(
      `  of which the AWS SDK clients alone (same 10-process median): ${bundle.sdkOnly.medianMs.toFixed(0)} ms; runs: ${runs(bundle.sdkOnly.runs)}`,
    );
    console.log(
      `  alternative, SDK bundled in: ${(bundle.withSdkBytes / 1024).toFixed(0)} KB, cold import ${bundle.withSdk.medianMs.toFixed(0)} ms; runs: ${runs(bundle.withSdk.runs)}`,
    );
  }
}

await main();
