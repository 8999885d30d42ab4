import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { HostManager } from '../../functions/hosts/manager';
import { REPO_ROOT } from './fixture';

/** Runs the real `tarmac` CLI over a data directory; resolves with its exit code and stdout+stderr together. */
export function runTarmac(dataDir: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/tarmac.mjs'), '--data', dataDir, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c));
  child.stderr.on('data', (c: Buffer) => (output += c));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

/** The version an instance's `/health` reports on a test host, as the machine sees it over the veth. */
export async function servingVersion(manager: HostManager, host: string, port: number): Promise<string> {
  const record = await manager.get(host);
  const response = await fetch(`http://${record.address}:${port}/health`, { signal: AbortSignal.timeout(5_000) });
  return String(((await response.json()) as { version?: unknown }).version);
}
