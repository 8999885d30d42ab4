import { describe, expect, it } from 'vitest';
import { CHAT_USAGE, type ChatCommand, chatHelp, parseChatCommand } from '../../../functions/core/chat';

describe('parseChatCommand', () => {
  const accepted: [string, ChatCommand][] = [
    ['deploy hello to staging', { kind: 'deploy', app: 'hello', env: 'staging' }],
    ['deploy hello 1.4.2 to staging', { kind: 'deploy', app: 'hello', env: 'staging', ref: '1.4.2' }],
    ['deploy hello 3f2a9c1 to production', { kind: 'deploy', app: 'hello', env: 'production', ref: '3f2a9c1' }],
    ['deploy hello feature/login to staging', { kind: 'deploy', app: 'hello', env: 'staging', ref: 'feature/login' }],
    ['  Deploy   hello  to   staging  ', { kind: 'deploy', app: 'hello', env: 'staging' }],
    ['rollback hello production', { kind: 'rollback', app: 'hello', env: 'production' }],
    ['promote hello staging to production', { kind: 'promote', app: 'hello', from: 'staging', to: 'production' }],
    ['lock hello production', { kind: 'lock', app: 'hello', env: 'production' }],
    [
      'lock hello production db migration in progress',
      { kind: 'lock', app: 'hello', env: 'production', reason: 'db migration in progress' },
    ],
    ['unlock hello production', { kind: 'unlock', app: 'hello', env: 'production' }],
    [
      'maintenance on hello production moving the database',
      { kind: 'maintenance', app: 'hello', env: 'production', on: true, reason: 'moving the database' },
    ],
    ['maintenance off hello production', { kind: 'maintenance', app: 'hello', env: 'production', on: false }],
    ['status', { kind: 'status' }],
    ['status hello', { kind: 'status', app: 'hello' }],
    ['history hello staging', { kind: 'history', app: 'hello', env: 'staging' }],
    ['abort hello staging', { kind: 'abort', app: 'hello', env: 'staging' }],
    ['abort hello staging error rate up', { kind: 'abort', app: 'hello', env: 'staging', reason: 'error rate up' }],
    ['releases hello', { kind: 'releases', app: 'hello' }],
    ['help', { kind: 'help' }],
  ];

  it.each(accepted)('parses "%s"', (text, command) => {
    expect(parseChatCommand(text)).toEqual({ ok: true, command });
  });

  const refused: [string, RegExp][] = [
    ['', /no command given/],
    ['   ', /no command given/],
    ['launch hello', /unknown command "launch"/],
    ['constructor', /unknown command "constructor"/],
    ['deploy hello', /name the environment/],
    ['abort hello', /expected: abort <app> <env>/],
    ['releases', /expected: releases <app>/],
    ['releases hello staging', /expected: releases <app>/],
    ['releases Hello', /"Hello" is not an app/],
    ['deploy hello production', /name the environment/],
    ['deploy hello 1.0 production', /name the environment/],
    ['deploy hello to', /name the environment/],
    ['deploy to staging', /name the app/],
    ['deploy hello to staging now', /nothing may follow the environment/],
    ['deploy hello 1.0 2.0 to staging', /at most one version/],
    ['deploy hello $(rm) to staging', /not a version, sha or branch/],
    ['deploy Hello to staging', /"Hello" is not an app or environment name/],
    ['rollback hello', /expected: rollback <app> <env>/],
    ['rollback hello production now', /expected: rollback <app> <env>/],
    ['promote hello staging production', /expected: promote/],
    ['promote hello staging to staging', /two different environments/],
    ['lock hello', /expected: lock/],
    ['maintenance hello production', /expected: maintenance on\|off/],
    ['unlock hello', /expected: unlock/],
    ['status hello staging', /expected: status/],
    ['history hello', /expected: history/],
    ['history hello ../etc', /not an app or environment name/],
  ];

  it.each(refused)('fails on "%s" with help', (text, error) => {
    const result = parseChatCommand(text, '/deploy');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatch(error);
    expect(result.help).toBe(chatHelp('/deploy'));
  });

  it('lists every subcommand in the help text', () => {
    const help = chatHelp('/tarmac');
    for (const line of CHAT_USAGE) expect(help).toContain(`/tarmac ${line}`);
  });
});
