import type { HookResult, LifecycleEvent } from '../../core/deployments';
import type { DeploymentPlan } from '../../core/plans';
import type { Hosts } from '../../hosts/manager';
import { type Logger, silentLogger } from '../../log';
import type {
  Clock,
  Deployer,
  DeployerEvent,
  DeploymentProbe,
  DeployRequest,
  SecretStore,
  StopOutcome,
} from '../../ports';
import { deployHost, type HostOutcome, type Revision } from './local-deployer/host-deployment';
import type { PathCapableStore } from './local-deployer/host-files';
import { clearInterruptedRun } from './local-deployer/interrupted';
import { MigrationClaim } from './local-deployer/migration-claim';
import { deploymentGroup } from './local-deployer/paths';
import { probeLocalDeployment } from './local-deployer/probe';
import { type GoodRevision, journalTail, readGoodRevision, recordGoodRevision } from './local-deployer/records';
import { releaseProvider } from './local-deployer/release-copy';
import { stopRunningHooks } from './local-deployer/stop-hooks';

export { localBundleTargets } from './local-deployer/paths';

export interface LocalDeployerOptions {
  readonly hosts: Hosts;
  /** Holds bundles and release tarballs; a store with `pathOf(key)` (FsArtifactStore) is copied without streaming. */
  readonly artifacts: PathCapableStore;
  readonly secrets: SecretStore;
  readonly onEvent: (event: DeployerEvent) => void | Promise<void>;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** The data dir's worker lease (PID file): `inspect` tells a run in another live worker from a dead one. */
  readonly workerPidFile?: string;
}

/** One rollout of a revision over batches of hosts. */
interface RolloutOptions {
  readonly revision: Revision;
  readonly release: { artifactKey: string; sha256: string };
  readonly batches: readonly (readonly string[])[];
  /** Report each host's lifecycle events as this deployment's. @default not reported (a rollback's are not) */
  readonly reportAs?: string;
  /** The revision the first batch runs (a canary's, whose ValidateService bakes). @default revision */
  readonly first?: Revision;
  /** Why the deployment was aborted, once it was (`tarmac abort`): no further hook starts. */
  readonly aborted?: () => string | undefined;
}

type RolloutResult =
  | { ok: true }
  | { ok: false; host: string; failedEvent?: LifecycleEvent; tail?: string; touched: string[] };

/**
 * Runs a bundle's hooks on local hosts exactly as the CodeDeploy agent would, batch by batch as the plan
 * says; a failed host stops the rollout. With `autoRollback`, a failure triggers a new deployment of the last
 * revision that succeeded on every host, on the hosts the failed deployment touched.
 */
export class LocalDeployer implements Deployer {
  private readonly running = new Map<string, Promise<void>>();
  /** Runs an operator aborted (`stop`): external id → why. */
  private readonly aborts = new Map<string, string>();
  /** Runs stopped where they are (a forced `fleet free`): no rollback follows. */
  private readonly noRollback = new Set<string>();
  /** Runs past their rollout: rolling back, or succeeded and reporting it (what `stop` answers then). */
  private readonly phases = new Map<string, 'rolling-back' | 'succeeded'>();
  private readonly plans = new Map<string, DeploymentPlan>();
  private readonly logger: Logger;

  constructor(private readonly options: LocalDeployerOptions) {
    this.logger = options.logger ?? silentLogger();
  }

  /** Starts the deployment in the background and returns at once. */
  async start(request: DeployRequest): Promise<{ externalId: string }> {
    const externalId = `local-${request.plan.deploymentId}`;
    const run = this.run(request, externalId).catch((error: unknown) => {
      this.logger.error({ err: error, deploymentId: request.plan.deploymentId }, 'local deployment crashed');
    });
    this.running.set(externalId, run);
    this.plans.set(externalId, request.plan);
    void run.finally(() => {
      this.running.delete(externalId);
      this.aborts.delete(externalId);
      this.phases.delete(externalId);
      this.noRollback.delete(externalId);
      this.plans.delete(externalId);
    });
    return { externalId };
  }

  /** True while this deployer runs the deployment (a worker that died took its runs with it). */
  isRunning(deploymentId: string): boolean {
    return this.running.has(`local-${deploymentId}`);
  }

  /** Whether a deployment still has a live runner (here, or in the live worker of the data dir). */
  async inspect(externalId: string): Promise<DeploymentProbe> {
    return probeLocalDeployment(externalId, this.running.has(externalId), this.options.workerPidFile);
  }

  /**
   * Abort a run of this deployer: no further hook starts, the running ones are stopped (SIGTERM, then
   * SIGKILL), and the hosts it touched are rolled back to the last good revision; the outcome is reported as
   * usual once that rollback is over. A run already in its rollback is left to finish it (`rolling-back`), one
   * whose last hook ended is not stopped (`succeeded`).
   */
  async stop(externalId: string, reason: string, options?: { readonly rollback?: boolean }): Promise<StopOutcome> {
    const plan = this.plans.get(externalId);
    if (!this.running.has(externalId) || !plan) return 'not-running';
    const phase = this.phases.get(externalId);
    if (phase) return phase;
    if (options?.rollback === false) this.noRollback.add(externalId);
    this.aborts.set(externalId, reason);
    this.logger.warn({ deploymentId: plan.deploymentId, reason }, 'aborting deployment');
    await stopRunningHooks(this.options.hosts, plan.batches.flat(), {
      externalId,
      migrateUnit: `tarmac-${plan.app}-${plan.env}-migrate-${plan.deploymentId}.service`,
    });
    return 'stopping';
  }

  /** True when no deployment runs here (a CLI command may then hand the worker role over). */
  idle(): boolean {
    return this.running.size === 0;
  }

  /** Resolves once the deployment (and its rollback) is over — or every running one, without an id. */
  async settled(externalId?: string): Promise<void> {
    await Promise.all(externalId ? [this.running.get(externalId)] : [...this.running.values()]);
  }

  private async run(request: DeployRequest, externalId: string): Promise<void> {
    const { plan } = request;
    const log = this.logger.child({ deploymentId: plan.deploymentId, correlationId: plan.correlationId });
    await clearInterruptedRun(this.options.hosts, plan, log);
    await this.emit({ type: 'deployment.started', deploymentId: plan.deploymentId, externalId, at: this.now() });
    const revision = this.revision(plan, externalId, request.bundle, plan.hookEnv);
    const release = { artifactKey: plan.release.artifactKey, sha256: plan.release.sha256 };
    // A canary's hosts run through the canary group, whose ValidateService bakes (as on CodeDeploy).
    const canary = plan.canary
      ? { ...revision, hookEnv: { ...revision.hookEnv, DEPLOYMENT_GROUP_NAME: plan.canary.group } }
      : undefined;
    const aborted = () => this.aborts.get(externalId);
    const result = await this.rollout({
      revision,
      release,
      batches: plan.batches,
      reportAs: plan.deploymentId,
      ...(canary ? { first: canary } : {}),
      aborted,
    });
    if (result.ok) {
      this.phases.set(externalId, 'succeeded'); // past its last hook: an abort no longer stops anything
      const good: GoodRevision = {
        deploymentId: plan.deploymentId,
        bundleKey: request.bundle.key,
        bundleSha256: request.bundle.sha256,
        release: plan.release,
        hookEnv: plan.hookEnv,
      };
      await Promise.all(
        plan.batches.flat().map((host) => recordGoodRevision(this.options.hosts, host, revision.group, good)),
      );
      log.info('deployment succeeded');
      return this.emit({
        type: 'deployment.finished',
        deploymentId: plan.deploymentId,
        status: 'succeeded',
        at: this.now(),
      });
    }
    // An automatic rollback follows: an abort from now on leaves it to finish (hosts are not left half-way).
    if (request.autoRollback && !this.noRollback.has(externalId)) this.phases.set(externalId, 'rolling-back');
    // A host whose PID 1 was killed fails its hook a moment before it is gone: give it that moment.
    if (!aborted()) await new Promise((resolve) => setTimeout(resolve, 1_000));
    const abortedBy = aborted();
    const up = await this.upHosts();
    const error = abortedBy
      ? `${abortedBy}${result.failedEvent ? ` during ${result.failedEvent} on ${result.host}` : ''}`
      : up.has(result.host)
        ? `${result.failedEvent ?? 'deployment'} failed on ${result.host}\n${result.tail ?? ''}\n${await journalTail(this.options.hosts, result.host, plan)}`
        : `host ${result.host} went down during ${result.failedEvent ?? 'the deployment'} (it is no longer up: a local host's PID 1 is gone, a server does not answer over SSH)\n${result.tail ?? ''}`;
    log.warn({ host: result.host, event: result.failedEvent }, 'deployment failed');
    // One outcome per deployment, sent once the automatic rollback (if any) is over: the fleet stays busy
    // until the hosts serve the previous release again.
    const failedAt = this.now();
    // An aborted run always rolls back: abort means "put the hosts back".
    const rollsBack = (request.autoRollback || abortedBy !== undefined) && !this.noRollback.has(externalId);
    if (rollsBack) this.phases.set(externalId, 'rolling-back');
    const rollback = rollsBack ? await this.rollBack(plan, externalId, result.touched, log) : {};
    await this.emit({
      type: 'deployment.finished',
      deploymentId: plan.deploymentId,
      status: rollback.to ? 'rolled_back' : 'failed',
      at: this.now(),
      failedAt,
      error: rollback.problem ? `${error}\n${rollback.problem}` : error,
      ...(rollback.to ? { rolledBackTo: rollback.to } : {}),
    });
  }

  /** A new deployment of the last revision that succeeded everywhere, on the hosts the failed one touched. */
  private async rollBack(
    plan: DeploymentPlan,
    externalId: string,
    touched: string[],
    log: Logger,
  ): Promise<{ to?: string; problem?: string }> {
    const group = deploymentGroup(plan.app, plan.env);
    // A host that went down cannot be rolled back: the others are, and the outcome names it.
    const up = await this.upHosts();
    const down = touched.filter((h) => !up.has(h));
    const live = touched.filter((h) => up.has(h));
    const downNote = down.length > 0 ? `${down.join(', ')} down: not rolled back` : undefined;
    const good = live.length > 0 ? await readGoodRevision(this.options.hosts, live[0] as string, group) : undefined;
    if (!good || good.deploymentId === plan.deploymentId) {
      log.warn('no earlier good revision to roll back to');
      return downNote ? { problem: downNote } : {};
    }
    const id = `${plan.deploymentId}-rollback`;
    log.info({ to: good.release.id, hosts: live, down }, 'rolling back');
    const revision = this.revision(
      { ...plan, deploymentId: id },
      `${externalId}-rollback`,
      { key: good.bundleKey, ...(good.bundleSha256 ? { sha256: good.bundleSha256 } : {}) },
      good.hookEnv,
    );
    const release = { artifactKey: good.release.artifactKey, sha256: good.release.sha256 };
    // Every touched host at once: they are already out of service, restoring them fast matters most.
    const result = await this.rollout({ revision, release, batches: [live] });
    if (!result.ok) {
      log.error({ host: result.host, event: result.failedEvent }, 'rollback failed');
      return {
        problem: `automatic rollback to ${good.release.id} failed on ${result.host} (${result.failedEvent ?? 'deployment'})`,
      };
    }
    return { to: good.release.id, ...(downNote ? { problem: downNote } : {}) };
  }

  private async upHosts(): Promise<Set<string>> {
    return new Set((await this.options.hosts.list()).map((h) => h.name));
  }

  /** Deploy batch after batch (the first as `first`, when given); stop at the first batch with a failed host. */
  private async rollout({
    revision,
    release,
    batches,
    reportAs,
    first,
    aborted,
  }: RolloutOptions): Promise<RolloutResult> {
    const provideRelease = releaseProvider(this.options.hosts, this.options.artifacts, release);
    const migration = new MigrationClaim(this.options.hosts, batches.flat(), { app: revision.app, env: revision.env });
    const touched: string[] = [];
    for (const [index, batch] of batches.entries()) {
      const run = index === 0 && first ? first : revision;
      if (aborted?.()) return { ok: false, host: batch[0] as string, tail: 'aborted', touched };
      const outcomes = await Promise.all(
        batch.map((host) =>
          deployHost(
            {
              ...this.options,
              logger: this.logger,
              provideRelease,
              releaseSha256: release.sha256,
              ...(aborted ? { aborted } : {}),
              migration,
              report: (h, event, status, tail) =>
                reportAs === undefined ? Promise.resolve() : this.hostEvent(reportAs, h, event, status, tail),
            },
            host,
            run,
          ).catch(
            (error: unknown): HostOutcome => ({
              ok: false,
              touched: true,
              tail: error instanceof Error ? error.message : String(error),
            }),
          ),
        ),
      );
      touched.push(...batch.filter((_, i) => outcomes[i]?.touched));
      const failed = outcomes.findIndex((o) => !o.ok);
      if (failed >= 0) {
        const outcome = outcomes[failed] as HostOutcome;
        return {
          ok: false,
          host: batch[failed] as string,
          failedEvent: outcome.failedEvent,
          tail: outcome.tail,
          touched,
        };
      }
    }
    return { ok: true };
  }

  private revision(
    plan: DeploymentPlan,
    externalId: string,
    bundle: { key: string; sha256?: string },
    hookEnv: Readonly<Record<string, string>>,
  ): Revision {
    const group = deploymentGroup(plan.app, plan.env);
    return {
      deploymentId: plan.deploymentId,
      app: plan.app,
      env: plan.env,
      group,
      bundleKey: bundle.key,
      ...(bundle.sha256 ? { bundleSha256: bundle.sha256 } : {}),
      hookEnv: {
        ...hookEnv,
        DEPLOYMENT_ID: externalId,
        APPLICATION_NAME: plan.app,
        DEPLOYMENT_GROUP_NAME: group,
        DEPLOYMENT_GROUP_ID: `local-${group}`,
      },
    };
  }

  private hostEvent(
    deploymentId: string,
    host: string,
    event: LifecycleEvent,
    status: HookResult['status'],
    tail?: string,
  ) {
    const extra = tail === undefined ? {} : { tail };
    return this.emit({ type: 'host.event', deploymentId, host, event, status, at: this.now(), ...extra });
  }

  private async emit(event: DeployerEvent): Promise<void> {
    try {
      await this.options.onEvent(event);
    } catch (error) {
      this.logger.error({ err: error, event: event.type }, 'deployer event handler failed');
    }
  }

  private now(): string {
    return this.options.clock.now().toISOString();
  }
}
