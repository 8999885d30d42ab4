import { Alarm, type IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { InstanceTagSet, ServerApplication, ServerDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { batchedOf, CANARY_TAG, canaryGroupName, canaryOf } from '../../functions/core/canary';
import type { AppConfig, TarmacConfig } from '../../functions/core/config';
import { ValidationError } from '../errors';
import { DeploymentConfigs } from './deployment-configs';
import { acknowledge, managedPolicyFinding } from './nag';

/** CodeDeploy allows at most three tag groups in a tag set; tarmac makes one group per tag. */
const MAX_EC2_TAGS = 3;

export interface CodeDeployProps {
  /** The parsed tarmac.yml. */
  readonly config: TarmacConfig;
  /** Alarms that stop a running deployment and roll it back. At least one. */
  readonly rollbackAlarms: readonly IAlarm[];
}

/** CodeDeploy application name of a tarmac app. */
export const applicationName = (app: string) => `tarmac-${app}`;
/** CodeDeploy deployment group name of an instance. */
export const deploymentGroupName = (app: string, env: string) => `${app}-${env}`;

/**
 * One CodeDeploy server application per app (`tarmac-<app>`) and one deployment group per environment
 * (`<app>-<env>`) targeting the EC2 instances that carry all of the fleet's `ec2_tags`. Deployments roll back
 * on failure and when a rollback alarm fires.
 */
export class CodeDeploy extends Construct {
  readonly applications: ServerApplication[] = [];
  readonly groups: ServerDeploymentGroup[] = [];
  readonly configs: DeploymentConfigs;
  readonly serviceRole: Role;

  constructor(scope: Construct, id: string, props: CodeDeployProps) {
    super(scope, id);
    if (props.rollbackAlarms.length === 0) {
      throw new ValidationError(
        'rollbackAlarms is empty (given 0 alarms) — pass at least one alarm to roll back on',
        this,
      );
    }
    this.serviceRole = new Role(this, 'ServiceRole', {
      assumedBy: new ServicePrincipal('codedeploy.amazonaws.com'),
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSCodeDeployRole')],
    });
    acknowledge(
      this.serviceRole,
      'IAM4',
      'AWSCodeDeployRole is the AWS-maintained service role policy CodeDeploy documents for EC2/on-premises deployments.',
      [managedPolicyFinding('service-role/AWSCodeDeployRole')],
    );
    this.configs = new DeploymentConfigs(this, 'Configs');
    for (const [app, appConfig] of Object.entries(props.config.apps)) {
      const tags = instanceTags(this, props.config, app);
      const application = new ServerApplication(this, `App-${app}`, { applicationName: applicationName(app) });
      this.applications.push(application);
      const canary = canaryOf(appConfig.strategy);
      const alarms = [...props.rollbackAlarms, ...this.appAlarms(app, appConfig)];
      for (const env of Object.keys(appConfig.environments)) {
        this.groups.push(
          this.group(`Group-${app}-${env}`, application, deploymentGroupName(app, env), {
            tags,
            config: this.configs.forStrategy(batchedOf(appConfig.strategy)),
            alarms,
          }),
        );
        if (!canary) continue;
        // CodeDeploy has no canary for in-place EC2 deployments: a second group targets the canary hosts
        // (the fleet's tags plus tarmac-canary=true), all at once; tarmac deploys through it first.
        this.groups.push(
          this.group(`Canary-${app}-${env}`, application, canaryGroupName(app, env), {
            tags: canaryTags(this, props.config, app),
            config: this.configs.forStrategy('all'),
            alarms,
          }),
        );
      }
    }
  }

  private group(
    id: string,
    application: ServerApplication,
    name: string,
    props: { tags: InstanceTagSet; config: ReturnType<DeploymentConfigs['forStrategy']>; alarms: IAlarm[] },
  ): ServerDeploymentGroup {
    return new ServerDeploymentGroup(this, id, {
      application,
      deploymentGroupName: name,
      role: this.serviceRole,
      ec2InstanceTags: props.tags,
      deploymentConfig: props.config,
      installAgent: false,
      alarms: props.alarms,
      autoRollback: { failedDeployment: true, deploymentInAlarm: true, stoppedDeployment: false },
    });
  }

  /** The canary strategy's `alarms`, by name (they live outside the stack), once per app. */
  private appAlarms(app: string, appConfig: AppConfig): IAlarm[] {
    return (canaryOf(appConfig.strategy)?.alarms ?? []).map((name, i) =>
      Alarm.fromAlarmName(this, `Alarm-${app}-${i}`, name),
    );
  }
}

/** One tag group per tag, so an instance must carry all of them (CodeDeploy ANDs the groups of a set). */
function instanceTags(
  scope: Construct,
  config: TarmacConfig,
  app: string,
  extra: readonly [string, string][] = [],
): InstanceTagSet {
  const fleet = config.apps[app]?.fleet ?? '';
  const tags = Object.entries(config.fleets[fleet]?.ec2_tags ?? {});
  if (tags.length === 0) {
    throw new ValidationError(
      `fleet "${fleet}" of app ${app} has no ec2_tags — CodeDeploy finds hosts by EC2 tag; ` +
        `add fleets.${fleet}.ec2_tags (e.g. { tarmac-fleet: ${fleet} }) to tarmac.yml`,
      scope,
    );
  }
  const all = [...tags, ...extra];
  if (all.length > MAX_EC2_TAGS) {
    const canary = extra.length > 0 ? `, and its canary strategy adds ${CANARY_TAG.key}` : '';
    throw new ValidationError(
      `fleet "${fleet}" has ${tags.length} ec2_tags (given ${tags.map(([k]) => k).join(', ')})${canary} — CodeDeploy ` +
        `matches at most ${MAX_EC2_TAGS}; tag the hosts with one fleet tag instead`,
      scope,
    );
  }
  return new InstanceTagSet(...all.map(([key, value]) => ({ [key]: [value] })));
}

/** The canary group's hosts: the fleet's tags and tarmac-canary=true. */
const canaryTags = (scope: Construct, config: TarmacConfig, app: string) =>
  instanceTags(scope, config, app, [[CANARY_TAG.key, CANARY_TAG.value]]);
