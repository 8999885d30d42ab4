import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
} from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { SsmSecretStore, validateParameterName } from '../../../../functions/adapters/aws/ssm-secrets';
import { fakeSsm } from '../../../support/fake-ssm';

function store(options: { prefix?: string; kmsKeyId?: string } = {}) {
  const { client, parameters, mock } = fakeSsm();
  return { secrets: new SsmSecretStore({ client, ...options }), mock, parameters };
}

describe('SsmSecretStore requests', () => {
  it('writes SecureStrings under /tarmac/<app>/<env>/<name>, overwriting only on set', async () => {
    const { secrets, parameters, mock } = store({ kmsKeyId: 'alias/tarmac' });
    await secrets.putIfMissing('hello/staging', 'erlang_cookie', 'c1');
    await secrets.set('_global', 'slack_signing_secret', 's1');
    expect(mock.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/tarmac/hello/staging/erlang_cookie', Value: 'c1', Type: 'SecureString', KeyId: 'alias/tarmac' },
      {
        Name: '/tarmac/_global/slack_signing_secret',
        Value: 's1',
        Type: 'SecureString',
        KeyId: 'alias/tarmac',
        Overwrite: true,
      },
    ]);
    expect([...parameters.keys()]).toEqual([
      '/tarmac/hello/staging/erlang_cookie',
      '/tarmac/_global/slack_signing_secret',
    ]);
  });

  it('reads a scope by path with decryption, 10 at most per page, following NextToken past short pages', async () => {
    const { secrets, mock } = store();
    for (let i = 0; i < 8; i++) await secrets.set('hello/prod', `s${i}`, `v${i}`);
    await secrets.set('hello/prod-eu', 'other', 'not mine');
    expect(Object.keys(await secrets.getAll('hello/prod'))).toHaveLength(8);
    const pages = mock.commandCalls(GetParametersByPathCommand).map((c) => c.args[0].input);
    expect(pages).toHaveLength(3); // fake pages of 3: 3 + 3 + 2
    expect(pages[0]).toEqual({ Path: '/tarmac/hello/prod', Recursive: false, WithDecryption: true, MaxResults: 10 });
    expect(pages[1]?.NextToken).toBe('3');
  });

  it('lists names from metadata only, never reading values', async () => {
    const { secrets, mock } = store();
    await secrets.set('hello/staging', 'b', '1');
    await secrets.set('hello/staging', 'a', '2');
    expect(await secrets.listNames('hello/staging')).toEqual(['a', 'b']);
    expect(mock.commandCalls(GetParametersByPathCommand)).toHaveLength(0);
    expect(mock.commandCalls(GetParameterCommand)).toHaveLength(0);
    expect(mock.commandCalls(DescribeParametersCommand)[0]?.args[0].input.ParameterFilters).toEqual([
      { Key: 'Path', Option: 'OneLevel', Values: ['/tarmac/hello/staging'] },
    ]);
  });

  it('uses a configured prefix', async () => {
    const { secrets, parameters } = store({ prefix: '/acme/tarmac/' });
    await secrets.set('hello/staging', 'erlang_cookie', 'c');
    expect([...parameters.keys()]).toEqual(['/acme/tarmac/hello/staging/erlang_cookie']);
    expect(await secrets.get('hello/staging', 'erlang_cookie')).toBe('c');
  });

  it('passes other SSM errors through', async () => {
    const { secrets, mock } = store();
    mock.on(PutParameterCommand).rejects(Object.assign(new Error('rate'), { name: 'ThrottlingException' }));
    await expect(secrets.putIfMissing('hello/staging', 'x', 'v')).rejects.toThrow('rate');
  });
});

describe('SSM names', () => {
  it('fails on bad scopes and names, naming them, without calling SSM', async () => {
    const { secrets, parameters } = store();
    await expect(secrets.set('Hello/Staging', 'x', 'v')).rejects.toThrow('"Hello/Staging"');
    await expect(secrets.set('hello', 'x', 'v')).rejects.toThrow('"hello"');
    await expect(secrets.set('hello/staging', 'a/b', 'v')).rejects.toThrow('"a/b"');
    await expect(secrets.set('hello/staging', 'spa ce', 'v')).rejects.toThrow(/a-z A-Z 0-9/);
    expect(parameters.size).toBe(0);
  });

  it('checks full parameter names against SSM rules', () => {
    expect(validateParameterName('/tarmac/hello/prod/secret_key_base')).toBe('/tarmac/hello/prod/secret_key_base');
    expect(() => validateParameterName('/awsome/x')).toThrow(/must not start with "aws"/);
    expect(() => validateParameterName('/SSM/x')).toThrow(/"ssm"/);
    expect(() => validateParameterName(`/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`)).toThrow(
      /15 levels/,
    );
    expect(() => validateParameterName('/tarmac/ü')).toThrow(/a-z A-Z/);
  });
});
