import { RemovalPolicy } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PipelineStack } from '../../../lib/pipeline-stack';
import { buildStack, freshStack, TWO_APPS_CONFIG } from './support';

// One synth for the file: two apps on two fleets, three environments each.
let stack: PipelineStack;
let template: Template;
beforeAll(() => {
  ({ stack, template } = buildStack(TWO_APPS_CONFIG));
});

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const statementsOf = (type: string, prefix = ''): Statement[] =>
  Object.entries(template.findResources(type))
    .filter(([id]) => id.startsWith(prefix))
    .flatMap(([, resource]) => resource.Properties.PolicyDocument.Statement as Statement[]);
/** Resources as cdk-nag prints them: `<ArtifactsBucket88671897.Arn>/releases/hello/*`. */
const resourcesOf = (statement: Statement) => list(statement.Resource).map(flattenCfnReference);
const withAction = (statements: Statement[], action: string) =>
  statements.filter((s) => list(s.Action).includes(action));
const ARN = 'arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter';

describe('CodeDeploy for two apps with three environments each', () => {
  it('creates one application per app and one deployment group per environment', () => {
    template.resourceCountIs('AWS::CodeDeploy::Application', 2);
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 6);
    for (const app of ['hello', 'billing']) {
      for (const env of ['staging', 'qa', 'production']) {
        template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', { DeploymentGroupName: `${app}-${env}` });
      }
    }
  });

  it('requires every tag of the fleet (one tag group per tag) and maps strategies to deployment configs', () => {
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentGroupName: 'hello-qa',
      DeploymentConfigName: 'CodeDeployDefault.HalfAtATime',
      Ec2TagSet: {
        Ec2TagSetList: [
          { Ec2TagGroup: [{ Key: 'tarmac-fleet', Value: 'web', Type: 'KEY_AND_VALUE' }] },
          { Ec2TagGroup: [{ Key: 'team', Value: 'core', Type: 'KEY_AND_VALUE' }] },
        ],
      },
    });
    template.resourceCountIs('AWS::CodeDeploy::DeploymentConfig', 1);
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      DeploymentConfigName: 'tarmac-min-healthy-50-percent',
      MinimumHealthyHosts: { Type: 'FLEET_PERCENT', Value: 50 },
    });
    const [configId] = Object.keys(template.findResources('AWS::CodeDeploy::DeploymentConfig'));
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentGroupName: 'billing-production',
      DeploymentConfigName: { Ref: configId },
      Ec2TagSet: { Ec2TagSetList: [{ Ec2TagGroup: [{ Key: 'tarmac-fleet', Value: 'jobs', Type: 'KEY_AND_VALUE' }] }] },
    });
  });

  it('follows the CodeDeploy events of both applications', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: { application: ['tarmac-hello', 'tarmac-billing'] } },
    });
  });
});

describe('fleet host policies', () => {
  it('exist once per fleet', () => {
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 2);
    template.hasOutput('FleetPolicyWeb', {});
    template.hasOutput('FleetPolicyJobs', {});
  });

  it('let hosts read bundles and releases (content-addressed under sha256/) and nothing else of the bucket', () => {
    for (const fleet of ['Fleetweb', 'Fleetjobs']) {
      const reads = statementsOf('AWS::IAM::ManagedPolicy', fleet).filter((s) =>
        list(s.Action).some((a) => a.startsWith('s3:')),
      );
      expect(reads.map((s) => s.Action)).toEqual([['s3:GetObject', 's3:GetObjectVersion']]);
      expect(resourcesOf(reads[0] as Statement)).toEqual([
        expect.stringMatching(/^<ArtifactsBucket\w+\.Arn>\/sha256\/\*$/),
      ]);
    }
  });

  it('let a fleet read only the secret paths of its own instances, and KMS only through SSM', () => {
    const statements = statementsOf('AWS::IAM::ManagedPolicy', 'Fleetjobs');
    const [ssm] = withAction(statements, 'ssm:GetParametersByPath');
    expect(ssm?.Action).toEqual(['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath']);
    expect(resourcesOf(ssm as Statement)).toEqual(
      ['staging', 'qa', 'production'].flatMap((env) => [
        `${ARN}/tarmac/billing/${env}`,
        `${ARN}/tarmac/billing/${env}/*`,
      ]),
    );
    const [kms] = withAction(statements, 'kms:Decrypt');
    expect(kms?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['ssm.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
    });
    expect(list(kms?.Action)).toEqual(['kms:Decrypt']);
  });

  it('let hosts touch only the migration lock items of their own instances (the keys lock.sh writes)', () => {
    const [lock] = withAction(statementsOf('AWS::IAM::ManagedPolicy', 'Fleetweb'), 'dynamodb:PutItem');
    expect(lock?.Action).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(resourcesOf(lock as Statement)).toEqual([expect.stringMatching(/^<StateTable\w+\.Arn>$/)]);
    const keys = ['staging', 'qa', 'production'].map((env) => `migration#hello#${env}#*`);
    expect(lock?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': keys } });
  });
});

describe('least privilege', () => {
  const allStatements = () => [...statementsOf('AWS::IAM::Policy'), ...statementsOf('AWS::IAM::ManagedPolicy')];

  it('names every action (no wildcard actions)', () => {
    const actions = allStatements().flatMap((s) => list(s.Action));
    expect(actions.length).toBeGreaterThan(20);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  it('uses wildcard resources only under tarmac’s own prefixes and for KMS keys reached through SSM', () => {
    const allowed = [
      /^<ArtifactsBucket\w+\.Arn>\/(\*|tmp\/\*|uploads\/\*|sha256\/\*)$/,
      /^arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter\/tarmac\/(_global|[a-z-]+\/[a-z-]+)\/\*$/,
      /^arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key\/\*$/,
    ];
    // Maintenance (SSM Run Command): instances only with a fleet's tags as condition, and two read-only calls
    // that take no narrower resource.
    const tagged = (s: Statement) =>
      Object.keys(s.Condition?.StringEquals ?? {}).some((k) => k.startsWith('ssm:resourceTag/'));
    const readOnly = (s: Statement) =>
      JSON.stringify(list(s.Action)) === JSON.stringify(['ssm:GetCommandInvocation', 'ec2:DescribeInstances']);
    // console --server (the webhook): StartSession on tagged instances, TerminateSession on its own sessions.
    const ownSessions = (s: Statement) =>
      JSON.stringify(list(s.Action)) === JSON.stringify(['ssm:TerminateSession']) &&
      JSON.stringify(s.Condition) ===
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a JS placeholder
        JSON.stringify({ StringLike: { 'ssm:resourceTag/aws:ssmmessages:session-id': ['${aws:userid}'] } });
    const describeOnly = (s: Statement) =>
      ['["ec2:DescribeInstances"]', '["ssm:DescribeParameters"]'].includes(JSON.stringify(list(s.Action)));
    const runCommand = allStatements().filter(
      (s) =>
        ((list(s.Action).includes('ssm:SendCommand') || list(s.Action).includes('ssm:StartSession')) && tagged(s)) ||
        readOnly(s) ||
        ownSessions(s) ||
        describeOnly(s),
    );
    const webhook = statementsOf('AWS::IAM::Policy', 'WebhookFunction');
    const starts = withAction(webhook, 'ssm:StartSession');
    expect(starts.filter(tagged)).toHaveLength(2); // one per fleet: both fleets of this config have ec2_tags
    expect(starts.filter((s) => !tagged(s)).flatMap(resourcesOf)).toEqual([
      'arn:<AWS::Partition>:ssm:<AWS::Region>::document/AWS-StartInteractiveCommand',
    ]);
    expect(webhook.filter(ownSessions)).toHaveLength(1);
    expect(runCommand.length).toBeGreaterThan(1);
    const wildcards = allStatements()
      .filter((s) => !runCommand.includes(s))
      .flatMap((s) => resourcesOf(s).filter((r) => r.includes('*')));
    expect(wildcards.length).toBeGreaterThan(0);
    expect(wildcards.filter((r) => !allowed.some((pattern) => pattern.test(r)))).toEqual([]);
    const kms = allStatements().filter((s) => resourcesOf(s).some((r) => r.includes(':kms:')));
    expect(kms.every((s) => s.Condition?.StringEquals?.['kms:ViaService'] !== undefined)).toBe(true);
  });

  it('lets the worker start deployments only in tarmac’s groups, with the configs they use', () => {
    const worker = statementsOf('AWS::IAM::Policy', 'WorkerFunction');
    const [create] = withAction(worker, 'codedeploy:CreateDeployment');
    expect(resourcesOf(create as Statement)).toHaveLength(6);
    expect(resourcesOf(create as Statement).every((r) => r.includes(':deploymentgroup:<CodeDeployApp'))).toBe(true);
    const [config] = withAction(worker, 'codedeploy:GetDeploymentConfig');
    expect(resourcesOf(config as Statement).map((r) => r.split(':deploymentconfig:')[1])).toEqual([
      'CodeDeployDefault.HalfAtATime',
      expect.stringMatching(/^<CodeDeployConfigstarmacminhealthy50percent\w+>$/),
    ]);
  });
});

describe('webhook function (logs and eval over the API)', () => {
  const webhook = () => statementsOf('AWS::IAM::Policy', 'WebhookFunction');

  it('may send Run Commands only with the shell document and to instances carrying one fleet’s tags', () => {
    const send = withAction(webhook(), 'ssm:SendCommand');
    expect(send.map(resourcesOf)).toEqual([
      ['arn:<AWS::Partition>:ssm:<AWS::Region>::document/AWS-RunShellScript'],
      ['arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*'],
      ['arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*'],
    ]);
    expect(send.slice(1).map((s) => s.Condition)).toEqual([
      { StringEquals: { 'ssm:resourceTag/tarmac-fleet': 'web', 'ssm:resourceTag/team': 'core' } },
      { StringEquals: { 'ssm:resourceTag/tarmac-fleet': 'jobs' } },
    ]);
    expect(send.every((s) => JSON.stringify(list(s.Action)) === '["ssm:SendCommand"]')).toBe(true);
  });

  it('reads the instances’ secrets (to redact them), writes only tarmac’s parameters (the admin API), and knows its own timeout', () => {
    const [read] = withAction(webhook(), 'ssm:GetParametersByPath');
    expect(resourcesOf(read as Statement)).toContain(`${ARN}/tarmac/billing/production/*`);
    expect(resourcesOf(read as Statement)).toContain(`${ARN}/tarmac/_global/*`);
    const writes = withAction(webhook(), 'ssm:PutParameter').flatMap((w) => resourcesOf(w));
    expect(writes).toContain(`${ARN}/tarmac/_global/*`);
    expect(writes).toContain(`${ARN}/tarmac/billing/production/*`);
    expect(writes.every((r) => r.startsWith(`${ARN}/tarmac/`))).toBe(true);
    const fn = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('WebhookFunction'),
    )?.[1];
    expect(fn?.Properties.Environment.Variables.TARMAC_WEBHOOK_TIMEOUT_SEC).toBe(String(fn?.Properties.Timeout));
  });
});

describe('deploy-events function', () => {
  it('may read the state table and the deployments of tarmac’s groups, which its handler does', () => {
    const statements = statementsOf('AWS::IAM::Policy', 'DeployEventsFunction');
    const [read] = withAction(statements, 'dynamodb:GetItem');
    expect(resourcesOf(read as Statement)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^<StateTable\w+\.Arn>$/)]),
    );
    expect(list(read?.Action)).not.toContain('dynamodb:PutItem');
    const [codeDeploy] = withAction(statements, 'codedeploy:GetDeployment');
    expect(list(codeDeploy?.Action)).toEqual([
      'codedeploy:GetDeployment',
      'codedeploy:ListDeploymentTargets',
      'codedeploy:BatchGetDeploymentTargets',
    ]);
    expect(resourcesOf(codeDeploy as Statement)).toHaveLength(6);
    expect(resourcesOf(codeDeploy as Statement).every((r) => r.includes(':deploymentgroup:<CodeDeployApp'))).toBe(true);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding on the stack', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(
      report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`)),
    ).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('does find problems where there are some (the check is live)', () => {
    const bare = freshStack();
    new Bucket(bare, 'Bucket', { removalPolicy: RemovalPolicy.DESTROY });
    const rules = new AwsSolutionsChecks().validateScope(bare).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
  });
});
