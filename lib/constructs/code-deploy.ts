import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { InstanceTagSet, ServerApplication, ServerDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { TarmacConfig } from '../../functions/core/config';
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
      throw new Error('rollbackAlarms is empty (given 0 alarms) — pass at least one alarm to roll back on');
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
      const tags = instanceTags(props.config, app);
      const application = new ServerApplication(this, `App-${app}`, { applicationName: applicationName(app) });
      this.applications.push(application);
      for (const env of Object.keys(appConfig.environments)) {
        const group = new ServerDeploymentGroup(this, `Group-${app}-${env}`, {
          application,
          deploymentGroupName: deploymentGroupName(app, env),
          role: this.serviceRole,
          ec2InstanceTags: tags,
          deploymentConfig: this.configs.forStrategy(appConfig.strategy),
          installAgent: false,
          alarms: [...props.rollbackAlarms],
          autoRollback: { failedDeployment: true, deploymentInAlarm: true, stoppedDeployment: false },
        });
        this.groups.push(group);
      }
    }
  }
}

/** One tag group per tag, so an instance must carry all of them (CodeDeploy ANDs the groups of a set). */
function instanceTags(config: TarmacConfig, app: string): InstanceTagSet {
  const fleet = config.apps[app]?.fleet ?? '';
  const tags = Object.entries(config.fleets[fleet]?.ec2_tags ?? {});
  if (tags.length === 0) {
    throw new Error(
      `fleet "${fleet}" of app ${app} has no ec2_tags — CodeDeploy finds hosts by EC2 tag; ` +
        `add fleets.${fleet}.ec2_tags (e.g. { tarmac-fleet: ${fleet} }) to tarmac.yml`,
    );
  }
  if (tags.length > MAX_EC2_TAGS) {
    throw new Error(
      `fleet "${fleet}" has ${tags.length} ec2_tags (given ${tags.map(([k]) => k).join(', ')}) — CodeDeploy ` +
        `matches at most ${MAX_EC2_TAGS}; tag the hosts with one fleet tag instead`,
    );
  }
  return new InstanceTagSet(...tags.map(([key, value]) => ({ [key]: [value] })));
}
