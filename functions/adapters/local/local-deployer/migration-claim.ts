import { TarmacError } from '../../../core/errors';
import type { Hosts } from '../../../hosts/manager';
import { readOptional } from './host-files';
import { migrationStatusFile } from './paths';

/** The migration of a deployment did not complete on the host that ran it: the others must not switch. */
export class MigrationNotDoneError extends TarmacError {
  constructor(deploymentId: string, host: string, why: string) {
    super(`not started: the migration of deployment ${deploymentId} did not complete on ${host} (${why})`, {
      deploymentId,
      host,
    });
    this.name = 'MigrationNotDoneError';
  }
}

interface Outcome {
  readonly ok: boolean;
  readonly why: string;
}

/**
 * The fleet-wide migration lock of one deployment, held by the deployer instead of a directory the hosts
 * share (SSH servers share none). The first host to reach ApplicationStart gets `run`; every other one waits
 * here — its hook is not even started — until that host's ApplicationStart is over, then gets `done:<host>`
 * if the host recorded the migration done in its own claim directory, else a {@link MigrationNotDoneError}.
 * A host that dies or drops off the network mid-migration has no `done` record: the others do not switch.
 * A resumed deployment (its worker died) first asks the hosts whether one of them already migrated it.
 */
export class MigrationClaim {
  private holder: { host: string; outcome: Promise<Outcome>; settle: (o: Outcome) => void } | undefined;
  private earlier: Promise<string | undefined> | undefined;
  private deploymentId = '';

  /**
   * @param fleet every host of the rollout (asked whether one of them already migrated)
   * @param instance the app and environment; the deployment id is the bundle's own (`TARMAC_DEPLOYMENT_ID`,
   *   which for an automatic rollback is the earlier deployment whose bundle is redeployed)
   */
  constructor(
    private readonly hosts: Hosts,
    private readonly fleet: readonly string[],
    private readonly instance: { app: string; env: string },
  ) {}

  /** The value of TARMAC_MIGRATION_CLAIM for this host's ApplicationStart (waits for the holder if needed). */
  async acquire(host: string, deploymentId: string): Promise<string> {
    this.deploymentId ||= deploymentId;
    this.earlier ??= this.doneByEarlierRun();
    const doneBy = await this.earlier;
    if (doneBy) return `done:${doneBy}`;
    if (!this.holder) {
      let settle: (o: Outcome) => void = () => {};
      const outcome = new Promise<Outcome>((resolve) => {
        settle = resolve;
      });
      this.holder = { host, outcome, settle };
    }
    const holder = this.holder;
    if (holder.host === host) return 'run';
    const outcome = await holder.outcome;
    if (!outcome.ok) throw new MigrationNotDoneError(this.deploymentId, holder.host, outcome.why);
    return `done:${holder.host}`;
  }

  /** The holder's ApplicationStart is over (`hookOk` or not): read what it recorded and tell the waiters. */
  async release(host: string, hookOk: boolean): Promise<void> {
    if (this.holder?.host !== host) return;
    const status = await this.status(host).catch((error: unknown) => `unreadable: ${String(error)}`);
    const done = status?.startsWith('done ') ?? false;
    const why = done
      ? 'done'
      : `${host} recorded ${status ? `"${status.trim()}"` : 'no migration status'}; its ApplicationStart ${hookOk ? 'succeeded' : 'failed'}`;
    this.holder.settle({ ok: done, why });
  }

  private status(host: string): Promise<string | undefined> {
    const { app, env } = this.instance;
    return readOptional(this.hosts, host, migrationStatusFile(app, env, this.deploymentId));
  }

  private async doneByEarlierRun(): Promise<string | undefined> {
    const statuses = await Promise.all(this.fleet.map((h) => this.status(h).catch(() => undefined)));
    const index = statuses.findIndex((s) => s?.startsWith('done '));
    return index >= 0 ? this.fleet[index] : undefined;
  }
}
