import { formatAge } from '../../core/clock';
import type { FailedJob } from '../../state/failed-jobs';
import type { FleetView } from '../../state/fleet-health';
import type { ReadApi } from '../../state/read-api';
import type { Output } from '../output';

/** One line per fleet: free, or held by which deployment since when — and STALE with the way out. */
export function printFleets(out: Output, fleets: readonly FleetView[], now: Date): void {
  for (const f of fleets) {
    const h = f.holder;
    if (!h) {
      out.write(`fleet ${f.fleet.padEnd(18)} free\n`);
    } else {
      const what = f.deployment ? `${f.deployment.version}, ${f.deployment.status.replace('_', ' ')}` : 'record gone';
      out.write(
        `fleet ${f.fleet.padEnd(18)} held by ${h.deploymentId} (${h.app}/${h.env} ${what}) since ${formatAge(h.since, now)} ago\n`,
      );
      if (f.stale) out.write(`  STALE: ${f.stale} — tarmac fleet free ${f.fleet} --reason "…"\n`);
    }
    const freed = f.lastFreed;
    if (freed) {
      const stopped = freed.stopped === 'stopping' ? '; its deployment was stopped where it was, not rolled back' : '';
      out.write(
        `  last freed by ${freed.by} ${formatAge(freed.at, now)} ago: "${freed.reason}" (${freed.why})${stopped}\n`,
      );
    }
  }
}

/** Below the environments: each fleet's holder (STALE ones marked) and the jobs the worker gave up on. */
export async function showOperations(out: Output, read: ReadApi, fleets: readonly string[]): Promise<void> {
  const views = await Promise.all(fleets.map((name) => read.fleet?.(name)));
  printOperations(
    out,
    views.filter((v): v is FleetView => v !== undefined),
    (await read.failedJobs?.(5)) ?? [],
  );
}

/** Each fleet's line, then the failed jobs (if any) with their errors and correlation ids. */
export function printOperations(out: Output, fleets: readonly FleetView[], failed: readonly FailedJob[]): void {
  const now = new Date();
  printFleets(out, fleets, now);
  if (failed.length > 0) out.write('failed jobs (not retried), newest first:\n');
  for (const f of failed) {
    const where = [f.app, f.env].filter(Boolean).join('/');
    out.write(
      `  ${formatAge(f.at, now)} ago  ${f.type ?? 'message'} ${where} ${f.errorName}: ${f.error} (correlation ${f.correlationId ?? 'none'})\n`,
    );
  }
}
