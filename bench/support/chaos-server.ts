import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, openSync } from 'node:fs';
import { join } from 'node:path';
import { type LocalAdapters, openLocalAdapters } from '../../functions/adapters/local';
import { allInstances } from '../../functions/core/config';
import { type Job, jobGroup } from '../../functions/core/jobs';
import { INTAKE_SECRETS } from '../../functions/core/secrets';
import { deploymentHistory } from '../../functions/state/deployments';
import { fleetHolder, listPending } from '../../functions/state/fleets';
import { findRelease } from '../../functions/state/releases';
import { initInstanceSecrets } from '../../functions/state/secrets';
import { REPO_ROOT } from '../../test/support/fixture';
import { exampleConfig } from '../../test/support/local-deploy';

export const CONFIG_FILE = join(REPO_ROOT, 'examples/tarmac.yml');
export const config = exampleConfig();

/**
 * `tarmac serve` as a user starts it, in a process group of its own (so the bench can SIGKILL the whole
 * group, as a terminal's Ctrl-\ or an OOM kill of the session would), its output appended to a log file.
 */
export function startServe(dataDir: string): ChildProcess {
  const log = openSync(join(dataDir, 'serve.out'), 'a');
  return spawn(
    process.execPath,
    [join(REPO_ROOT, 'bin/tarmac.mjs'), '--config', CONFIG_FILE, '--data', dataDir, 'serve', '--port', '0'],
    { cwd: REPO_ROOT, detached: true, stdio: ['ignore', log, log], env: { ...process.env, TARMAC_LOG_LEVEL: 'info' } },
  );
}

/** Intake secrets and every instance's secrets, as `tarmac secrets init/set` would leave them. */
export async function seedSecrets(adapters: LocalAdapters): Promise<void> {
  for (const name of INTAKE_SECRETS) await adapters.secrets.set('_global', name, randomBytes(32).toString('hex'));
  for (const instance of allInstances(config)) {
    await initInstanceSecrets(adapters.secrets, instance.secretScope);
    for (const name of instance.secrets)
      await adapters.secrets.putIfMissing(instance.secretScope, name, randomBytes(24).toString('base64url'));
  }
}

let seq = 0;
const base = (tag: string) => ({
  v: 1 as const,
  idempotencyKey: `chaos-${tag}-${++seq}`,
  correlationId: `chaos-${seq}`,
});

/** Queue a job as the intake would (group = the app's fleet). */
export async function enqueue(adapters: LocalAdapters, job: Job): Promise<void> {
  await adapters.queue.send({ group: jobGroup(() => 'web', job), dedupKey: job.idempotencyKey, body: job });
}

export async function ingestJob(adapters: LocalAdapters, tarball: string, version: string): Promise<Job> {
  const upload = await adapters.artifacts.put(createReadStream(tarball), { key: `uploads/hello/${version}` });
  return { ...base('ingest'), type: 'ingest', app: 'hello', version, artifactKey: upload.key, uploadedBy: 'ci' };
}

export function deployJob(ref: string): Job {
  return { ...base('deploy'), type: 'deploy', app: 'hello', env: 'staging', ref, trigger: 'cli', requestedBy: 'chaos' };
}

/** Every deployment has ended and nothing is queued, waiting or holding the fleet. */
export async function settled(dataDir: string): Promise<{ done: boolean; detail: string }> {
  const adapters = openLocalAdapters(dataDir);
  try {
    const holder = await fleetHolder(adapters.state, 'web');
    const pending = await listPending(adapters.state, 'web');
    const open = (await deploymentHistory(adapters.state, 'hello', 'staging', 50)).filter(
      (d) => d.status === 'in_progress' || d.status === 'pending',
    );
    const depth = adapters.queue.depth();
    const done = !holder && pending.length === 0 && open.length === 0 && depth === 0;
    return {
      done,
      detail: `holder=${holder?.deploymentId ?? '-'} pending=${pending.length} open=${open.length} queue=${depth}`,
    };
  } finally {
    adapters.close();
  }
}

export async function waitForRelease(dataDir: string, version: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const adapters = openLocalAdapters(dataDir);
    const found = await findRelease(adapters.state, 'hello', version).finally(() => adapters.close());
    if (found) return;
    if (Date.now() > deadline) throw new Error(`release ${version} was not ingested within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What a host's staging instance answers on /health: its version, or why it does not. */
export async function serving(address: string): Promise<string> {
  try {
    const response = await fetch(`http://${address}:4001/health`, { signal: AbortSignal.timeout(3_000) });
    if (!response.ok) return `HTTP ${response.status}`;
    return String(((await response.json()) as { version?: unknown }).version ?? '?');
  } catch (error) {
    return `down (${(error as Error).cause ? String((error as { cause: { code?: string } }).cause.code) : (error as Error).message})`;
  }
}
