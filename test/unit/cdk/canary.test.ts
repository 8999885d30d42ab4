import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildStack } from './support';

const config = (tags: string) => `
fleets:
  web: { ec2_tags: { ${tags} } }
apps:
  hello:
    repo: acme/hello
    release: hello
    fleet: web
    strategy: { type: canary, hosts: 1, bake: 300, rest: half, alarms: [hello-5xx] }
    environments:
      staging: { port: 4001 }
`;

describe('a canary strategy on CodeDeploy', () => {
  it('adds a canary group (fleet tags + tarmac-canary=true, all at once) beside the environment group', () => {
    const { template } = buildStack(config('tarmac-fleet: web'));
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 2);
    const alarms = {
      Enabled: true,
      Alarms: expect.arrayContaining([{ Name: 'hello-5xx' }]),
    };
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentGroupName: 'hello-staging',
      DeploymentConfigName: 'CodeDeployDefault.HalfAtATime',
      Ec2TagSet: { Ec2TagSetList: [{ Ec2TagGroup: [{ Key: 'tarmac-fleet', Value: 'web', Type: 'KEY_AND_VALUE' }] }] },
    });
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentGroupName: 'hello-staging.canary',
      DeploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      Ec2TagSet: {
        Ec2TagSetList: [
          { Ec2TagGroup: [{ Key: 'tarmac-fleet', Value: 'web', Type: 'KEY_AND_VALUE' }] },
          { Ec2TagGroup: [{ Key: 'tarmac-canary', Value: 'true', Type: 'KEY_AND_VALUE' }] },
        ],
      },
      AutoRollbackConfiguration: {
        Enabled: true,
        Events: Match.arrayWith(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']),
      },
    });
    const groups = Object.values(template.findResources('AWS::CodeDeploy::DeploymentGroup'));
    for (const group of groups) {
      expect(group.Properties.AlarmConfiguration).toMatchObject(alarms);
      expect(group.Properties.AlarmConfiguration.Alarms).toHaveLength(2);
    }
  });

  it('fails when the fleet has three tags, as the canary tag would be a fourth', () => {
    expect(() => buildStack(config('a: "1", b: "2", c: "3"'))).toThrow(
      /has 3 ec2_tags .*, and its canary strategy adds tarmac-canary — CodeDeploy matches at most 3/,
    );
  });
});
