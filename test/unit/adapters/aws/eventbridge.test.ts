import { describe, expect, it } from 'vitest';
import {
  type CodeDeployFacts,
  type CodeDeployLookup,
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

/**
 * tarmac knows d-ABCDEF123 as its deployment 01J…; anything else is not its own. CodeDeploy (GetDeployment)
 * says what `facts` holds: by default nothing about rollbacks (as for a deployment of another tool).
 */
const lookupWith = (facts: Record<string, CodeDeployFacts> = {}): CodeDeployLookup => ({
  resolve: async (externalId) => (externalId === 'd-ABCDEF123' ? '01JDEPLOY' : undefined),
  describe: async (externalId) => facts[externalId] ?? { creator: 'user', status: 'Succeeded' },
});
const resolve = lookupWith();
const one = (event: unknown, hostResultsOf?: string) =>
  event === undefined
    ? undefined
    : { deploymentId: '01JDEPLOY', events: [event], ...(hostResultsOf ? { hostResultsOf } : {}) };
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
    const fetchHosts = state === 'FAILURE' || state === 'STOP' ? 'd-ABCDEF123' : undefined;
    expect(await mapCodeDeployEvent(withState(deployment, state), resolve)).toEqual(one(expected, fetchHosts));
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
    expect(await mapCodeDeployEvent(instance, resolve)).toEqual(
      one({
        type: 'host.event',
        deploymentId: '01JDEPLOY',
        host: 'i-0000000aaaaaaaaaa',
        event: 'ValidateService',
        status: 'succeeded',
        at: '2030-01-01T10:08:50.000Z',
      }),
    );
  });

  it.each(['START', 'FAILURE'])(
    'leaves %s to the host results (the notification does not name the hook)',
    async (state) => {
      expect(await mapCodeDeployEvent(withState(instance, state), resolve)).toBeUndefined();
    },
  );
});

describe('mapCodeDeployEvent: CodeDeploy automatic rollbacks', () => {
  // d-ABCDEF123 (tarmac's) failed; CodeDeploy created d-ROLLBACK9 (creator codeDeployRollback) to redeploy
  // the last good revision. GetDeployment links the two both ways through rollbackInfo.
  const rollingBack = lookupWith({
    'd-ABCDEF123': { status: 'Failed', creator: 'user', rollbackDeploymentId: 'd-ROLLBACK9' },
    'd-ROLLBACK9': {
      status: 'InProgress',
      creator: 'codeDeployRollback',
      rollbackTriggeringDeploymentId: 'd-ABCDEF123',
    },
  });
  const ofRollback = (state: string) => ({
    ...deployment,
    detail: { ...deployment.detail, deploymentId: 'd-ROLLBACK9', state },
  });

  it('does not end a failed deployment that CodeDeploy is rolling back, but records its host results', async () => {
    expect(await mapCodeDeployEvent(withState(deployment, 'FAILURE'), rollingBack)).toEqual({
      deploymentId: '01JDEPLOY',
      events: [],
      hostResultsOf: 'd-ABCDEF123',
    });
  });

  it('changes nothing when the rollback deployment starts (the fleet is still held)', async () => {
    expect(await mapCodeDeployEvent(ofRollback('START'), rollingBack)).toEqual({
      deploymentId: '01JDEPLOY',
      events: [],
    });
  });

  it('ends the deployment as rolled_back when the rollback deployment succeeds', async () => {
    expect(await mapCodeDeployEvent(ofRollback('SUCCESS'), rollingBack)).toEqual({
      deploymentId: '01JDEPLOY',
      events: [
        {
          type: 'deployment.finished',
          deploymentId: '01JDEPLOY',
          status: 'rolled_back',
          at,
          error: `CodeDeploy deployment d-ABCDEF123 of group ${group} failed; CodeDeploy's automatic rollback d-ROLLBACK9 restored the last good revision — see the host results for the failing hook and its log tail`,
        },
      ],
    });
  });

  it.each([
    ['FAILURE', 'failed too'],
    ['STOP', 'was stopped'],
  ])('ends the deployment as failed when the rollback deployment ends with %s', async (state, how) => {
    const mapped = await mapCodeDeployEvent(ofRollback(state), rollingBack);
    expect(mapped?.events).toEqual([
      expect.objectContaining({ type: 'deployment.finished', deploymentId: '01JDEPLOY', status: 'failed' }),
    ]);
    expect(mapped?.events[0]).toHaveProperty('error', expect.stringContaining(`automatic rollback d-ROLLBACK9 ${how}`));
  });

  it('ignores instance events of the rollback deployment, and rollbacks of deployments tarmac did not make', async () => {
    const instanceOfRollback = { ...instance, detail: { ...instance.detail, deploymentId: 'd-ROLLBACK9' } };
    expect(await mapCodeDeployEvent(instanceOfRollback, rollingBack)).toBeUndefined();
    const foreign = lookupWith({
      'd-ROLLBACK9': { creator: 'codeDeployRollback', rollbackTriggeringDeploymentId: 'd-OTHER' },
    });
    expect(await mapCodeDeployEvent(ofRollback('SUCCESS'), foreign)).toBeUndefined();
  });

  it('ends a failure CodeDeploy did not roll back as failed, in CodeDeploy’s words', async () => {
    const noRollback = lookupWith({
      'd-ABCDEF123': { status: 'Failed', rollbackMessage: 'Automatic rollback is not possible: no last good revision' },
    });
    const mapped = await mapCodeDeployEvent(withState(deployment, 'FAILURE'), noRollback);
    expect(mapped?.hostResultsOf).toBe('d-ABCDEF123');
    expect(mapped?.events).toEqual([
      expect.objectContaining({
        status: 'failed',
        error: expect.stringContaining('(CodeDeploy: Automatic rollback is not possible: no last good revision)'),
      }),
    ]);
  });
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
