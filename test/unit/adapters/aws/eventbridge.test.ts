import { describe, expect, it } from 'vitest';
import {
  type CodeDeployNotification,
  hostEvents,
  mapCodeDeployEvent,
} from '../../../../functions/adapters/aws/eventbridge';
import deploymentFixture from '../../../fixtures/aws/codedeploy-deployment-state-change.json';
import instanceFixture from '../../../fixtures/aws/codedeploy-instance-state-change.json';

// Shapes as in the EventBridge reference for CodeDeploy (source aws.codedeploy), with tarmac's names.
const deployment: CodeDeployNotification = deploymentFixture;
const instance: CodeDeployNotification = instanceFixture;
const withState = (base: CodeDeployNotification, state: string): CodeDeployNotification => ({
  ...base,
  detail: { ...base.detail, state },
});

/** tarmac knows d-ABCDEF123 as its deployment 01J…; anything else (e.g. a CodeDeploy rollback) is not its own. */
const resolve = async (externalId: string) => (externalId === 'd-ABCDEF123' ? '01JDEPLOY' : undefined);
const at = '2030-01-01T10:06:31.000Z';
const group = 'hello-production';

describe('mapCodeDeployEvent: deployment state changes', () => {
  const cases: [string, unknown][] = [
    ['START', { type: 'deployment.started', deploymentId: '01JDEPLOY', externalId: 'd-ABCDEF123', at }],
    ['SUCCESS', { type: 'deployment.finished', deploymentId: '01JDEPLOY', status: 'succeeded', at }],
    [
      'FAILURE',
      {
        type: 'deployment.finished',
        deploymentId: '01JDEPLOY',
        status: 'failed',
        at,
        error: `CodeDeploy deployment d-ABCDEF123 of group ${group} failed — see the host results for the failing hook and its log tail`,
      },
    ],
    [
      'STOP',
      {
        type: 'deployment.finished',
        deploymentId: '01JDEPLOY',
        status: 'failed',
        at,
        error: `CodeDeploy deployment d-ABCDEF123 of group ${group} was stopped`,
      },
    ],
    ['READY', undefined],
  ];
  it.each(cases)('%s → %o', async (state, expected) => {
    expect(await mapCodeDeployEvent(withState(deployment, state), resolve)).toEqual(expected);
  });

  it('ignores deployments tarmac did not create, and other sources', async () => {
    const foreign = { ...deployment, detail: { ...deployment.detail, deploymentId: 'd-ROLLBACK9' } };
    expect(await mapCodeDeployEvent(foreign, resolve)).toBeUndefined();
    expect(await mapCodeDeployEvent({ ...deployment, source: 'aws.ec2' }, resolve)).toBeUndefined();
    expect(await mapCodeDeployEvent({ ...deployment, 'detail-type': 'Something Else' }, resolve)).toBeUndefined();
  });
});

describe('mapCodeDeployEvent: instance state changes', () => {
  it('maps an instance SUCCESS to ValidateService succeeded on that host', async () => {
    expect(await mapCodeDeployEvent(instance, resolve)).toEqual({
      type: 'host.event',
      deploymentId: '01JDEPLOY',
      host: 'i-0000000aaaaaaaaaa',
      event: 'ValidateService',
      status: 'succeeded',
      at: '2030-01-01T10:08:50.000Z',
    });
  });

  it.each(['START', 'FAILURE'])(
    'leaves %s to the host results (the notification does not name the hook)',
    async (state) => {
      expect(await mapCodeDeployEvent(withState(instance, state), resolve)).toBeUndefined();
    },
  );
});

describe('hostEvents', () => {
  it('turns host results into one host event per started lifecycle event', () => {
    const events = hostEvents(
      '01JDEPLOY',
      [
        {
          host: 'i-1',
          status: 'failed',
          events: [
            { event: 'ApplicationStop', status: 'succeeded', endedAt: '2030-01-01T10:07:00.000Z' },
            { event: 'BeforeInstall', status: 'failed', startedAt: '2030-01-01T10:07:01.000Z', tail: 'boom' },
          ],
        },
      ],
      at,
    );
    expect(events).toEqual([
      {
        type: 'host.event',
        deploymentId: '01JDEPLOY',
        host: 'i-1',
        event: 'ApplicationStop',
        status: 'succeeded',
        at: '2030-01-01T10:07:00.000Z',
      },
      {
        type: 'host.event',
        deploymentId: '01JDEPLOY',
        host: 'i-1',
        event: 'BeforeInstall',
        status: 'failed',
        at: '2030-01-01T10:07:01.000Z',
        tail: 'boom',
      },
    ]);
  });
});
