import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSecretStore, SqliteQueue, SqliteStateStore } from '../../functions/adapters/local';
import { sha256Hex, signedJsonHeaders, signedUploadHeaders } from '../../functions/http/signing';
import { keys } from '../../functions/state/keys';
import { drain, githubHeaders, pushEvent, SECRETS } from '../support/http-harness';

const ROOT = new URL('../..', import.meta.url).pathname;

/** `tarmac serve` as a real process; resolves with its URL once it listens. */
function startServe(
  dataDir: string,
  extra: string[] = [],
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bin/tarmac.ts',
      '--config',
      'examples/tarmac.yml',
      '--data',
      dataDir,
      'serve',
      '--port',
      '0',
      ...extra,
    ],
    { cwd: ROOT, env: { ...process.env, TARMAC_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve({ child, url, output: () => output });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`tarmac serve exited with ${code} before listening:\n${output}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

const nowSec = () => Math.floor(Date.now() / 1000);

describe('tarmac serve (real process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tarmac-serve-'));
  const push = JSON.stringify(pushEvent());
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    const secrets = new FileSecretStore(join(dataDir, 'secrets'));
    for (const [name, value] of Object.entries(SECRETS)) await secrets.set('_global', name, value);
  });
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to start without the intake secrets, naming the commands to set them', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tarmac-serve-empty-'));
    try {
      await expect(startServe(empty)).rejects.toThrow(/tarmac secrets set _global github_webhook_secret --stdin/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('keeps a signed push and a signed build event as durable queue messages across a crash', async () => {
    // Intake only, so the messages stay queued for the check (by default the server's worker takes them).
    const server = await startServe(dataDir, ['--no-worker']);
    children.push(server.child);

    const pushed = await fetch(`${server.url}/webhooks/github`, {
      method: 'POST',
      body: push,
      headers: githubHeaders(push, 'push', 'serve-delivery-1'),
    });
    expect(pushed.status).toBe(202);

    const tarball = randomBytes(300_000);
    const target = { app: 'hello', version: '1.0.0', sha256: sha256Hex(tarball) };
    const uploaded = await fetch(`${server.url}/artifacts/hello/1.0.0`, {
      method: 'PUT',
      body: tarball,
      headers: signedUploadHeaders(SECRETS.build_webhook_secret, target, nowSec()),
    });
    expect(uploaded.status).toBe(201);
    const { key } = (await uploaded.json()) as { key: string };
    const build = JSON.stringify({
      id: 'serve-build-1',
      app: 'hello',
      version: '1.0.0',
      sha: 'b'.repeat(40),
      artifact: key,
    });
    const built = await fetch(`${server.url}/webhooks/builds`, {
      method: 'POST',
      body: build,
      headers: signedJsonHeaders(SECRETS.build_webhook_secret, build, nowSec()),
    });
    expect(built.status).toBe(202);

    server.child.kill('SIGKILL');
    await exited(server.child);

    const queue = new SqliteQueue(join(dataDir, 'queue.db'));
    try {
      const jobs = (await drain(queue)) as { type: string; app: string; artifactKey?: string }[];
      expect(jobs.map((job) => job.type)).toEqual(['push', 'ingest']);
      expect(jobs[1]?.artifactKey).toBe(key);
    } finally {
      queue.close();
    }
  });

  it('runs, with its worker, the jobs queued while it was down', async () => {
    const intake = await startServe(dataDir, ['--no-worker']);
    children.push(intake.child);
    const queued = await fetch(`${intake.url}/webhooks/github`, {
      method: 'POST',
      body: push,
      headers: githubHeaders(push, 'push', 'serve-delivery-2'),
    });
    expect(queued.status).toBe(202);
    intake.child.kill('SIGKILL');
    await exited(intake.child);

    const server = await startServe(dataDir);
    children.push(server.child);
    const state = new SqliteStateStore(join(dataDir, 'state.db'));
    try {
      const sha = (JSON.parse(push) as { after: string }).after;
      let recorded = await state.get(keys.push('hello', sha));
      for (let i = 0; i < 100 && !recorded; i++) {
        await new Promise((r) => setTimeout(r, 100));
        recorded = await state.get(keys.push('hello', sha));
      }
      expect(recorded?.value).toMatchObject({ branch: 'main', sha });
    } finally {
      state.close();
      server.child.kill('SIGTERM');
      await exited(server.child);
    }
  });

  it('still knows the delivery after a restart, and shuts down cleanly on SIGTERM', async () => {
    const server = await startServe(dataDir);
    children.push(server.child);
    const again = await fetch(`${server.url}/webhooks/github`, {
      method: 'POST',
      body: push,
      headers: githubHeaders(push, 'push', 'serve-delivery-1'),
    });
    expect(again.status).toBe(200);
    expect(await again.text()).toBe('duplicate');
    server.child.kill('SIGTERM');
    expect(await exited(server.child)).toBe(0);
    expect(server.output()).toContain('SIGTERM, shutting down');
  });
});
