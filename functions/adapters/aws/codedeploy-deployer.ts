import {
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  type CodeDeployClientConfig,
  CreateDeploymentCommand,
  type DeploymentTarget,
  GetDeploymentCommand,
  ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import { canaryGroupName } from '../../core/canary';
import type { HostResult } from '../../core/deployments';
import { TarmacError } from '../../core/errors';
import { type DeploymentPlan, defaultMinHealthyHosts, type Strategy } from '../../core/plans';
import type { Deployer, DeploymentProbe, DeployRequest, StopOutcome } from '../../ports';
import { translateCreateError } from './codedeploy-errors';
import { toHostResult } from './codedeploy-hosts';
import { probeCodeDeployDeployment } from './codedeploy-probe';
import { stopCodeDeployDeployment } from './codedeploy-stop';
import type { CodeDeployFacts } from './eventbridge';

export interface CodeDeployNames {
  readonly application: string;
  readonly deploymentGroup: string;
  /** The environment's canary group (canary strategy only). @default `<app>-<env>.canary` */
  readonly canaryGroup?: string;
}

export interface CodeDeployDeployerOptions {
  /** Bucket holding the bundles (the artifacts bucket). */
  readonly bucket: string;
  /** @default new CodeDeployClient(clientConfig) */
  readonly client?: CodeDeployClient;
  readonly clientConfig?: CodeDeployClientConfig;
  /** Application and deployment group of an environment. @default {@link defaultCodeDeployNames} */
  readonly names?: (app: string, env: string) => CodeDeployNames;
  /** Pin the revision to the object's ETag / version id (versioned bucket), so a rewrite cannot slip in. */
  readonly locateBundle?: (key: string) => Promise<{ eTag?: string | undefined; version?: string | undefined }>;
}

/** Application `tarmac-<app>`, deployment group `<app>-<env>` (the names the CDK stack creates). */
export function defaultCodeDeployNames(app: string, env: string): CodeDeployNames {
  return { application: `tarmac-${app}`, deploymentGroup: `${app}-${env}`, canaryGroup: canaryGroupName(app, env) };
}

const PREDEFINED = {
  'one-at-a-time': 'CodeDeployDefault.OneAtATime',
  half: 'CodeDeployDefault.HalfAtATime',
  all: 'CodeDeployDefault.AllAtOnce',
} as const;

/**
 * The deployment config for a strategy, named as the CDK stack creates them (lib/constructs/deployment-configs.ts,
 * kept in step by a test): a CodeDeploy default unless tarmac.yml sets `min_healthy_hosts`, then
 * `tarmac-min-healthy-<n>` for a count or `tarmac-min-healthy-<p>-percent` for `"<p>%"`. A strategy built
 * without the configured value but with a non-default minimum falls back to the count name.
 * @example deploymentConfigName({ type: 'half', minHealthyHosts: 2, batchSize: 2 }, 4) // 'CodeDeployDefault.HalfAtATime'
 */
export function deploymentConfigName(strategy: Strategy, hostCount: number): string {
  const configured = strategy.minHealthyConfigured;
  if (typeof configured === 'number') return `tarmac-min-healthy-${configured}`;
  if (typeof configured === 'string') return `tarmac-min-healthy-${configured.replace('%', '')}-percent`;
  return strategy.minHealthyHosts === defaultMinHealthyHosts(strategy.type, hostCount)
    ? PREDEFINED[strategy.type]
    : `tarmac-min-healthy-${strategy.minHealthyHosts}`;
}

/** Human text on the CodeDeploy deployment, so the console leads back to tarmac's records. */
export function deploymentDescription(plan: Pick<DeploymentPlan, 'deploymentId' | 'correlationId' | 'release'>) {
  return `tarmac deployment ${plan.deploymentId} release ${plan.release.id} correlation ${plan.correlationId}`;
}

/** Deploys bundles (already in the artifacts bucket) with CodeDeploy, in place on EC2/on-premises hosts. */
export class CodeDeployDeployer implements Deployer {
  private readonly client: CodeDeployClient;

  constructor(private readonly options: CodeDeployDeployerOptions) {
    this.client = options.client ?? new CodeDeployClient(options.clientConfig ?? {});
  }

  async start(request: DeployRequest): Promise<{ externalId: string }> {
    const { plan, bundle } = request;
    const names = (this.options.names ?? defaultCodeDeployNames)(plan.app, plan.env);
    const pinned = this.options.locateBundle ? await this.options.locateBundle(bundle.key) : {};
    // A canary goes first through its own group, all at once (ValidateService bakes there); the rest, once
    // the worker saw the canary pass, through the environment's group with the rest's strategy.
    const canary = plan.canary !== undefined && request.phase !== 'rest';
    const batches = plan.canary && request.phase === 'rest' ? plan.batches.slice(1) : plan.batches;
    const hostCount = batches.reduce((n, batch) => n + batch.length, 0);
    const input = {
      applicationName: names.application,
      deploymentGroupName: canary ? (names.canaryGroup ?? canaryGroupName(plan.app, plan.env)) : names.deploymentGroup,
      revision: {
        revisionType: 'S3' as const,
        s3Location: {
          bucket: this.options.bucket,
          key: bundle.key,
          bundleType: 'tgz' as const,
          ...(pinned.eTag ? { eTag: pinned.eTag } : {}),
          ...(pinned.version ? { version: pinned.version } : {}),
        },
      },
      deploymentConfigName: canary ? PREDEFINED.all : deploymentConfigName(plan.strategy, hostCount),
      description: deploymentDescription(plan),
      autoRollbackConfiguration: {
        enabled: request.autoRollback,
        events: [
          'DEPLOYMENT_FAILURE' as const,
          'DEPLOYMENT_STOP_ON_ALARM' as const,
          'DEPLOYMENT_STOP_ON_REQUEST' as const,
        ],
      },
    };
    try {
      const result = await this.client.send(new CreateDeploymentCommand(input));
      if (!result.deploymentId)
        throw new TarmacError('CodeDeploy created a deployment but returned no id', { ...names });
      return { externalId: result.deploymentId };
    } catch (error) {
      throw translateCreateError(error, input.applicationName, input.deploymentGroupName, input.deploymentConfigName);
    }
  }

  /** Whether CodeDeploy still runs a deployment (a stopped-by-hand or lost one frees its fleet). */
  inspect(externalId: string): Promise<DeploymentProbe> {
    return probeCodeDeployDeployment(this.client, externalId);
  }

  /**
   * Abort: StopDeployment with `autoRollbackEnabled`, so CodeDeploy redeploys the last good revision to the
   * instances it touched; its STOP and the rollback's end arrive through EventBridge as usual. A deployment
   * CodeDeploy already completed is `succeeded`, or `rolling-back` while its automatic rollback runs (left to
   * finish); one it never knew, or that ended otherwise, is `not-running`.
   */
  stop(externalId: string, _reason?: string, options?: { readonly rollback?: boolean }): Promise<StopOutcome> {
    return stopCodeDeployDeployment(this.client, externalId, (id) => this.describe(id), options?.rollback ?? true);
  }

  /** Per-host progress of a CodeDeploy deployment: each instance's lifecycle events, with log tails. */
  async hostResults(externalId: string): Promise<HostResult[]> {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListDeploymentTargetsCommand({ deploymentId: externalId, ...(token ? { nextToken: token } : {}) }),
      );
      ids.push(...(page.targetIds ?? []));
      token = page.nextToken;
    } while (token);
    const targets: DeploymentTarget[] = [];
    for (let i = 0; i < ids.length; i += 25) {
      const page = await this.client.send(
        new BatchGetDeploymentTargetsCommand({ deploymentId: externalId, targetIds: ids.slice(i, i + 25) }),
      );
      targets.push(...(page.deploymentTargets ?? []));
    }
    return targets.flatMap((t) => (t.instanceTarget ? [toHostResult(t.instanceTarget)] : []));
  }

  /**
   * Who created a CodeDeploy deployment and how it relates to a rollback (GetDeployment's `creator` and
   * `rollbackInfo`): what tells CodeDeploy's own automatic rollback deployment apart from tarmac's.
   */
  async describe(externalId: string): Promise<CodeDeployFacts> {
    const { deploymentInfo: info } = await this.client.send(new GetDeploymentCommand({ deploymentId: externalId }));
    const rollback = info?.rollbackInfo;
    return {
      ...(info?.status ? { status: info.status } : {}),
      ...(info?.creator ? { creator: info.creator } : {}),
      ...(rollback?.rollbackDeploymentId ? { rollbackDeploymentId: rollback.rollbackDeploymentId } : {}),
      ...(rollback?.rollbackTriggeringDeploymentId
        ? { rollbackTriggeringDeploymentId: rollback.rollbackTriggeringDeploymentId }
        : {}),
      ...(rollback?.rollbackMessage ? { rollbackMessage: rollback.rollbackMessage } : {}),
    };
  }
}
