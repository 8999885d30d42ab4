import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openLocalAdapters } from '../../functions/adapters/local';
import type { Job } from '../../functions/core/jobs';
import { INTAKE_SECRETS } from '../../functions/core/secrets';
import { jobOutcome } from '../../functions/state/jobs';
import { REPO_ROOT } from '../support/fixture';

// The worker role of a data dir is never lost (issue #11): a `tarmac serve` that starts while another live
// process holds the lease waits and takes over when it ends; a stale lease (dead or zombie holder) is taken at
// once; a CLI command working the queue hands over to a waiting server. No hosts: a lock job needs none.
let dataDir: string;
const started: ChildProcess[] = [];
let seq = 0;

interface Proc {
  child: ChildProcess;
  output(): string;
}

function launch(argv: string[]): Proc {
  const child = spawn(process.execPath, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c));
  child.stderr?.on('data', (c: Buffer) => (out += c));
  return { child, output: () => out };
}

const serve = () =>
  launch([
    join(REPO_ROOT, 'bin/tarmac.mjs'),
    '--config',
    'examples/tarmac.yml',
    '--data',
    dataDir,
    'serve',
    '--port',
    '0',
  ]);
const cliWorker = () => launch(['--import', 'tsx', join(REPO_ROOT, 'test/support/lease-child.ts'), dataDir]);

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Queue a lock job as the intake would; returns its idempotency key. */
async function queueLock(): Promise<string> {
  const job: Job = {
    v: 1,
    idempotencyKey: `lease-${++seq}`,
    correlationId: `c-${seq}`,
    app: 'hello',
    type: 'lock',
    env: 'staging',
    reason: 'test',
    by: 'alice',
  };
  const adapters = openLocalAdapters(dataDir);
  await adapters.queue.send({ group: 'web', dedupKey: job.idempotencyKey, body: job });
  adapters.close();
  return job.idempotencyKey;
}

async function jobState(key: string): Promise<{ done: boolean; queued: number }> {
  const adapters = openLocalAdapters(dataDir);
  try {
    return { done: (await jobOutcome(adapters.state, key))?.status === 'done', queued: adapters.queue.depth() };
  } finally {
    adapters.close();
  }
}

async function stop(proc: Proc): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const exited = new Promise((r) => proc.child.once('exit', r));
  proc.child.kill('SIGTERM');
  await exited;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tarmac-lease-'));
  const adapters = openLocalAdapters(dataDir);
  for (const name of INTAKE_SECRETS) await adapters.secrets.set('_global', name, 'x'.repeat(40));
  adapters.close();
});
afterEach(async () => {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(join(dataDir, 'worker.pid'), { force: true });
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the worker lease', () => {
  it('a server started while a live process holds the lease waits, then takes over when it ends', async () => {
    const holder = spawn('sleep', ['60']);
    started.push(holder);
    writeFileSync(join(dataDir, 'worker.pid'), String(holder.pid));
    const server = serve();
    await until('the server to listen', () => server.output().includes('tarmac serve: listening'));
    expect(server.output()).toContain(`PID ${holder.pid} works this data dir`);
    const key = await queueLock();
    await new Promise((r) => setTimeout(r, 1_000));
    // Still visibly pending while the holder lives: nothing lost, nothing run by two processes.
    expect(await jobState(key)).toEqual({ done: false, queued: 1 });
    holder.kill('SIGKILL');
    await until('the lock job to be done by the server', async () => (await jobState(key)).done);
    await until('the takeover to be logged', () => server.output().includes('"event":"worker.lease_taken"'));
    await stop(server);
  });

  it('a stale lease is taken at once: its holder is a zombie, or its PID now belongs to another process', async () => {
    // `sh` forks `true` and execs sleep, which never reaps it: a zombie whose PID still exists.
    const parent = spawn('sh', ['-c', 'true & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    started.push(parent);
    const zombie = await new Promise<string>((r) => parent.stdout?.once('data', (c: Buffer) => r(String(c).trim())));
    for (const lease of [zombie, `1 999999999`]) {
      writeFileSync(join(dataDir, 'worker.pid'), lease);
      const server = serve();
      await until('the server to listen', () => server.output().includes('tarmac serve: listening'));
      expect(server.output(), `lease ${lease}`).toContain('worker and local deployer running');
      await until('the takeover to be logged', () => server.output().includes('took over the stale worker lease'));
      await stop(server);
    }
  });

  it('a CLI command working the queue hands it over to a waiting server', async () => {
    const cli = cliWorker();
    await until('the CLI process to work the queue', () => cli.output().includes('working\n'));
    const server = serve();
    await until('the hand-over', () => cli.output().includes('not working'));
    await until('the hand-over to be logged', () => cli.output().includes('"event":"worker.handed_over"'));
    await until('the server to take the lease', () => server.output().includes('"event":"worker.lease_taken"'));
    const key = await queueLock();
    await until('the lock job to be done by the server', async () => (await jobState(key)).done);
    await stop(cli);
    await stop(server);
  });
});
