/** The boundaries at which a test can kill the worker (see test/integration/worker-crash.test.ts). */
export type CrashPoint = 'after-receive' | 'after-ingest' | 'after-bundle' | 'after-deployer-start';

/**
 * Test seam: die at once, like a power cut or an OOM kill, when `TARMAC_CRASH_AT` names this boundary — so a
 * test can prove the worker finishes exactly once after a crash there. A no-op otherwise (and in production).
 */
export function crashPoint(name: CrashPoint): void {
  if (process.env.TARMAC_CRASH_AT === name) process.kill(process.pid, 'SIGKILL');
}
