import { type DeploymentStatus, isFinished } from '../core/deployments';
import type { Deployer, StateStore, StopOutcome } from '../ports';
import { getDeployment } from './deployments';
import { type FleetSlot, fleetHolder } from './fleets';
import { keys } from './keys';

/** A fleet as an operator sees it: which deployment holds it since when, and whether that hold is stale. */
export interface FleetView {
  readonly fleet: string;
  readonly holder?: FleetSlot | undefined;
  readonly deployment?:
    | {
        readonly id: string;
        readonly status: DeploymentStatus;
        readonly version: string;
        readonly externalId?: string | undefined;
      }
    | undefined;
  /** Why the hold is stale (nothing runs the deployment any more); absent while it is live or unknown. */
  readonly stale?: string | undefined;
  /** How the deployer says the stale deployment ended, when it says (a lost `deployment.finished`). */
  readonly ended?: 'succeeded' | 'failed' | undefined;
  /** What the deployer said, stale or not. */
  readonly detail?: string | undefined;
  /** The last time an operator freed this fleet. */
  readonly lastFreed?: FleetFreed | undefined;
}

/** Audit record of `tarmac fleet free`. */
export interface FleetFreed {
  readonly fleet: string;
  readonly deploymentId: string;
  readonly by: string;
  readonly reason: string;
  readonly forced: boolean;
  /** Why it was stale, or what the deployer said when forced. */
  readonly why: string;
  /** Forced while it ran: what the deployer did when asked to stop it where it is (no rollback). */
  readonly stopped?: StopOutcome | undefined;
  readonly at: string;
}

const FREED_TTL_SEC = 90 * 24 * 3600;

/**
 * Inspect a fleet's slot. Stale when its deployment is gone, already ended (its end was applied but the slot
 * not freed), or the deployer says nothing runs it any more (CodeDeploy Stopped/Failed/Succeeded, a local run
 * whose worker died). Without a deployer (a read-only edge), only tarmac's own records are consulted.
 */
export async function inspectFleet(
  state: StateStore,
  deployer: Deployer | undefined,
  fleet: string,
): Promise<FleetView> {
  const [holder, lastFreed] = await Promise.all([fleetHolder(state, fleet), lastFleetFreed(state, fleet)]);
  if (!holder) return { fleet, lastFreed };
  const found = await getDeployment(state, holder.deploymentId);
  if (!found) return { fleet, holder, lastFreed, stale: `deployment ${holder.deploymentId} no longer exists` };
  const deployment = { id: found.id, status: found.status, version: found.version, externalId: found.externalId };
  const base = { fleet, holder, deployment, lastFreed };
  if (isFinished(found.status)) {
    return { ...base, stale: `deployment ${found.id} already ended ${found.status}, but its fleet was never freed` };
  }
  if (!found.externalId || !deployer?.inspect) return base;
  const probe = await deployer.inspect(found.externalId);
  if (probe.state !== 'ended') return { ...base, detail: probe.detail };
  return { ...base, detail: probe.detail, stale: probe.detail, ended: probe.status };
}

export async function recordFleetFreed(state: StateStore, freed: FleetFreed): Promise<void> {
  await state.put({ pk: keys.fleetActive(freed.fleet).pk, sk: `freed#${freed.at}` }, freed, { ttlSec: FREED_TTL_SEC });
}

async function lastFleetFreed(state: StateStore, fleet: string): Promise<FleetFreed | undefined> {
  const [last] = await state.query<FleetFreed>(keys.fleetActive(fleet).pk, {
    prefix: 'freed#',
    descending: true,
    limit: 1,
  });
  return last?.value;
}
