import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeLocalDeployment } from '../../../../functions/adapters/local/local-deployer/probe';

// A local deployment runs in the process holding the data dir's worker lease (worker.pid): a run whose
// worker died is over (stale), one in another live worker still runs.
describe('local deployer: does a deployment still have a runner?', () => {
  let dir: string;
  let pidFile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tarmac-probe-'));
    pidFile = join(dir, 'worker.pid');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs when this process runs it', () => {
    expect(probeLocalDeployment('local-d1', true, pidFile)).toMatchObject({ state: 'running' });
  });

  it('runs when another live process holds the lease', () => {
    writeFileSync(pidFile, String(process.ppid));
    expect(probeLocalDeployment('local-d1', false, pidFile)).toEqual({
      state: 'running',
      detail: `local-d1 belongs to the live worker ${process.ppid}`,
    });
  });

  it('has ended when the lease names a live PID that started at another time (a recycled PID)', () => {
    writeFileSync(pidFile, `${process.ppid} 1`); // the lease format is "pid starttime"; 1 tick is not its start
    expect(probeLocalDeployment('local-d1', false, pidFile)).toMatchObject({ state: 'ended', status: 'failed' });
  });

  it('has ended when the lease holder is dead, or nobody holds the lease', () => {
    const dead = spawnSync('true').pid; // exited and reaped: its pid names no process now
    writeFileSync(pidFile, String(dead));
    expect(probeLocalDeployment('local-d1', false, pidFile)).toMatchObject({ state: 'ended', status: 'failed' });
    rmSync(pidFile);
    const none = probeLocalDeployment('local-d1', false, pidFile);
    expect(none).toMatchObject({ state: 'ended', status: 'failed' });
    expect(none.detail).toContain('no live runner');
  });

  it('has ended when this process holds the lease but does not run it (its run died here)', () => {
    writeFileSync(pidFile, String(process.pid));
    expect(probeLocalDeployment('local-d1', false, pidFile)).toMatchObject({ state: 'ended' });
  });
});
