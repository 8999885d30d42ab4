import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostManager, type HostRecord, hostSet } from '../../functions/hosts/manager';
import { REPO_ROOT } from './fixture';

export interface TestHosts {
  readonly manager: HostManager;
  readonly dataDir: string;
  readonly hosts: HostRecord[];
  /** Stop the hosts, remove the data dir, release the machine-wide lock. */
  teardown(): Promise<void>;
}

const TEST_DATA_ROOT = join(REPO_ROOT, '.cache', 'test-hosts');
/**
 * Host containers, veths and subnets are machine-wide per host set: one test file of a set holds hosts at a
 * time. `TARMAC_HOST_SET` picks the set (checkouts working side by side take one each, and then their files
 * take turns); without it each vitest worker takes its own set, 10 + its pool id, so the host-booting files
 * of one run boot side by side instead of waiting for each other.
 */
const SET =
  process.env.TARMAC_HOST_SET === undefined && process.env.VITEST_POOL_ID
    ? hostSet(10 + Number(process.env.VITEST_POOL_ID))
    : hostSet();
const LOCK_FILE = join(tmpdir(), SET === 0 ? 'tarmac-test-hosts.lock' : `tarmac-test-hosts-${SET}.lock`);

/**
 * Boot `count` real hosts for one test file (call in `beforeAll`, `teardown` in `afterAll`). Fails — never
 * skips — without root or systemd-nspawn. Hosts left by a test process that died are stopped first. With
 * `ssh`, each host runs sshd (own host keys; user `deploy` with the manager's `sshKey()` and sudo).
 */
export async function bootTestHosts(count: number, options: { ssh?: boolean } = {}): Promise<TestHosts> {
  const lock = await acquireLock();
  try {
    await stopOrphans();
    mkdirSync(TEST_DATA_ROOT, { recursive: true });
    const dataDir = mkdtempSync(join(TEST_DATA_ROOT, 'run-'));
    writeFileSync(join(dataDir, 'owner.pid'), String(process.pid));
    const manager = new HostManager({ dataDir, set: SET });
    const teardown = async () => {
      try {
        await manager.down();
        rmSync(dataDir, { recursive: true, force: true });
      } finally {
        release(lock);
      }
    };
    try {
      return { manager, dataDir, hosts: await manager.up(count, options), teardown };
    } catch (error) {
      await teardown();
      throw error;
    }
  } catch (error) {
    release(lock);
    throw error;
  }
}

function release(lock: ChildProcess): void {
  lock.stdin?.end(); // `cat` exits, then flock: the lock is free again
}

/** Hold `flock` on the lock file in a child that lives as long as its stdin: a dead test process frees it. */
async function acquireLock(): Promise<ChildProcess> {
  const child = spawn('flock', [LOCK_FILE, '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`flock ${LOCK_FILE} exited with ${code}`)));
  });
  return child;
}

async function stopOrphans(): Promise<void> {
  if (!existsSync(TEST_DATA_ROOT)) return;
  for (const name of readdirSync(TEST_DATA_ROOT)) {
    const dataDir = join(TEST_DATA_ROOT, name);
    const owner = Number(readFileSync(join(dataDir, 'owner.pid'), { encoding: 'utf8', flag: 'a+' }));
    if (owner && existsSync(`/proc/${owner}`)) continue;
    await new HostManager({ dataDir }).down();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
