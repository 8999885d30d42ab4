import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSMClient, StartSessionCommand, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { SsmConsoles } from '../../../../functions/adapters/aws/ssm-consoles';
import {
  pluginInvocation,
  pluginSession,
  SESSION_RESPONSE_ENV,
  type StartedSession,
} from '../../../../functions/adapters/aws/ssm-session';
import { openLocalAdapters } from '../../../../functions/adapters/local';
import { releaseCommandArgv } from '../../../../functions/bundle/operator-commands';
import { instanceOf, parseConfig } from '../../../../functions/core/config';
import { accessHistory } from '../../../../functions/state/access';
import { EXAMPLE_CONFIG } from '../../../support/http-harness';

// moto has no StartSession or TerminateSession: the exact request shapes, with aws-sdk-client-mock.
const config = parseConfig(EXAMPLE_CONFIG);
const tags = config.fleets.web?.ec2_tags;

function consoles(instances: string[]) {
  const ssm = new SSMClient({ region: 'eu-west-1' });
  const mock = mockClient(ssm);
  const state = openLocalAdapters(mkdtempSync(join(tmpdir(), 'tarmac-ssm-consoles-'))).state;
  const fleetInstances = vi.fn(async () => instances);
  const command = (instance: Parameters<typeof releaseCommandArgv>[0], session: string) =>
    releaseCommandArgv(instance, { kind: 'remote' }, session);
  const sessions = new SsmConsoles({ config, state, command, ssm, hosts: { fleetInstances }, region: 'eu-west-1' });
  return { mock, state, sessions, fleetInstances };
}

describe('SsmConsoles (console --server on the webhook Lambda)', () => {
  it('starts AWS-StartInteractiveCommand on the named instance with the console --aws command, audited by token', async () => {
    const { mock, state, sessions, fleetInstances } = consoles(['i-0aaa', 'i-0bbb']);
    mock
      .on(StartSessionCommand)
      .resolves({ SessionId: 'tarmac-s1', StreamUrl: 'wss://ssmmessages/s1', TokenValue: 'tok' });
    const opening = await sessions.open({ app: 'hello', env: 'staging', host: 'i-0bbb', by: 'ops_alice' });
    expect(tags).toBeDefined();
    expect(fleetInstances).toHaveBeenCalledWith(tags);
    const [call] = mock.commandCalls(StartSessionCommand);
    const input = call?.args[0].input;
    const [record] = await accessHistory(state, 'hello', 'staging');
    const argv = releaseCommandArgv(instanceOf(config, 'hello', 'staging'), { kind: 'remote' }, record?.id ?? '?');
    expect(input).toMatchObject({ Target: 'i-0bbb', DocumentName: 'AWS-StartInteractiveCommand' });
    expect(input?.Parameters?.command?.[0]).toMatch(/^sudo -n 'env' '-i' 'PATH=[^']+' 'systemd-run' /);
    expect(input?.Parameters?.command?.[0]).toContain(`'${argv.at(-1)}'`);
    expect(input?.Reason).toBe('tarmac console hello/staging by ops_alice');
    expect(record).toMatchObject({ host: 'i-0bbb', kind: 'console', by: 'ops_alice', via: 'server-ssm' });
    expect(opening).toEqual({
      kind: 'ssm',
      target: 'i-0bbb',
      region: 'eu-west-1',
      sessionId: 'tarmac-s1',
      streamUrl: 'wss://ssmmessages/s1',
      tokenValue: 'tok',
      request: { Target: 'i-0bbb', DocumentName: 'AWS-StartInteractiveCommand', Parameters: input?.Parameters },
    });
  });

  it('refuses a host not in the fleet, or none of several, before any session starts', async () => {
    const { mock, sessions } = consoles(['i-0aaa', 'i-0bbb']);
    await expect(sessions.open({ app: 'hello', env: 'staging', host: 'i-0ccc', by: 'x' })).rejects.toThrow(
      "host i-0ccc is not one of fleet web's (instances: i-0aaa, i-0bbb) — pass one with --host",
    );
    await expect(sessions.open({ app: 'hello', env: 'staging', host: undefined, by: 'x' })).rejects.toThrow(
      'fleet web has 2 instances (i-0aaa, i-0bbb) — say which with --host',
    );
    expect(mock.commandCalls(StartSessionCommand)).toHaveLength(0);
  });

  it('terminates a session by id', async () => {
    const { mock, sessions } = consoles(['i-0aaa']);
    mock.on(TerminateSessionCommand).resolves({ SessionId: 'tarmac-s1' });
    await sessions.terminate('tarmac-s1');
    expect(mock.commandCalls(TerminateSessionCommand)[0]?.args[0].input).toEqual({ SessionId: 'tarmac-s1' });
  });
});

const session: StartedSession = {
  kind: 'ssm',
  target: 'i-0aaa',
  region: 'eu-west-1',
  sessionId: 'tarmac-s1',
  streamUrl: 'wss://ssmmessages/s1',
  tokenValue: 'tok',
  request: { Target: 'i-0aaa', DocumentName: 'AWS-StartInteractiveCommand', Parameters: { command: ['x'] } },
};

describe('the Session Manager plugin hand-off (as aws ssm start-session does it)', () => {
  it('passes answer, region, StartSession, profile, request and endpoint, the answer by variable on new plugins', () => {
    const answer = '{"SessionId":"tarmac-s1","TokenValue":"tok","StreamUrl":"wss://ssmmessages/s1"}';
    const request = JSON.stringify(session.request);
    const endpoint = 'https://ssm.eu-west-1.amazonaws.com';
    expect(pluginInvocation(session, '1.2.707.0\n')).toEqual({
      argv: ['session-manager-plugin', SESSION_RESPONSE_ENV, 'eu-west-1', 'StartSession', '', request, endpoint],
      env: { [SESSION_RESPONSE_ENV]: answer },
    });
    expect(pluginInvocation(session, '1.2.497.0')).toEqual({
      argv: ['session-manager-plugin', answer, 'eu-west-1', 'StartSession', '', request, endpoint],
      env: {},
    });
  });

  it('without the plugin, terminates the session and says what to install', async () => {
    vi.stubEnv('PATH', '/nonexistent');
    try {
      const terminate = vi.fn(async () => {});
      await expect(pluginSession(session, terminate)).rejects.toThrow(
        /session-manager-plugin\) is not on PATH, so no terminal can be opened through SSM \(session tarmac-s1 was terminated\) — install it \(https:\/\/docs\.aws\.amazon\.com\/.*\), then run tarmac console again/,
      );
      expect(terminate).toHaveBeenCalledOnce();
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
