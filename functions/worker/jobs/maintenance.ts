import type { JobOf } from '../../core/jobs';
import { describeMaintenance } from '../../core/maintenance';
import type { JobResult } from '../../state/jobs';
import type { WorkerDeps } from '../deps';
import { setMaintenance } from '../maintenance';
import { tell } from '../tell';

/** `tarmac maintenance on|off` and the Slack command, through the queue (in order with the fleet's work). */
export async function maintenance(deps: WorkerDeps, job: JobOf<'maintenance'>): Promise<JobResult> {
  const record = await setMaintenance(deps, job);
  const message = describeMaintenance(record);
  const failed = record.failed.length > 0;
  await tell(deps, job, failed ? 'rejected' : 'info', message);
  return { outcome: failed ? 'failed' : 'done', message };
}
