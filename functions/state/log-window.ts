import { TarmacError } from '../core/errors';
import type { JournalQuery } from '../core/journal';
import type { StateStore } from '../ports';
import { getDeployment } from './deployments';

/**
 * The journal window of `logs --deployment ID` (its start to its end), checked to be this environment's; with
 * `follow`, refused once the deployment has ended (there is nothing more to come). Locally and on a server.
 */
export async function deploymentWindow(
  state: StateStore,
  app: string,
  env: string,
  id: string,
  follow = false,
): Promise<JournalQuery> {
  const d = await getDeployment(state, id);
  if (!d || d.app !== app || d.env !== env) {
    const where = d ? ` (it is one of ${d.app}/${d.env})` : '';
    throw new TarmacError(`no deployment ${id} of ${app}/${env}${where} — tarmac history ${app} ${env} lists them`, {
      id,
    });
  }
  if (follow && d.endedAt) {
    throw new TarmacError(`deployment ${id} has ended: there is nothing to --follow — drop --follow`, { id });
  }
  const since = Date.parse(d.startedAt ?? d.createdAt) / 1000;
  return d.endedAt ? { since, until: Date.parse(d.endedAt) / 1000 } : { since };
}
