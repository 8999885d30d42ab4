import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SsmSecretStore } from '../../../functions/adapters/aws/ssm-secrets';
import { registerSecrets } from '../../../functions/cli/commands/secrets';
import { main } from '../../../functions/cli/main';
import { memoryOutput } from '../../../functions/cli/output';
import { fakeSsm } from '../../support/fake-ssm';

let dir: string;
let config: string;
let ssm: ReturnType<typeof fakeSsm>;
let regions: (string | undefined)[];
const savedEnv = { ...process.env };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tarmac-secrets-aws-'));
  config = join(dir, 'tarmac.yml');
  copyFileSync(new URL('../../../examples/tarmac.yml', import.meta.url), config);
  ssm = fakeSsm();
  regions = [];
  delete process.env.AWS_REGION;
});
afterEach(() => {
  ssm.mock.restore();
  process.env = { ...savedEnv };
  rmSync(dir, { recursive: true, force: true });
});

/** The CLI's secrets commands with the SSM store built on the fake client (the seam `--aws` goes through). */
async function tarmac(...args: string[]) {
  const out = memoryOutput();
  const program = new Command('tarmac')
    .option('--config <file>')
    .option('--data <dir>')
    .option('--json')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => out.error(s) });
  registerSecrets(program, out, (region) => {
    regions.push(region);
    return new SsmSecretStore({ client: ssm.client });
  });
  await program.parseAsync(['node', 'tarmac', '--config', config, '--data', join(dir, 'data'), ...args]);
  return out.out.join('');
}

const puts = () => ssm.mock.commandCalls(PutParameterCommand).map((call) => call.args[0].input);
const valuesRead = () =>
  ssm.mock.commandCalls(GetParameterCommand).length + ssm.mock.commandCalls(GetParametersByPathCommand).length;

describe('tarmac secrets --aws', () => {
  it('init creates both generated secrets as SecureStrings without Overwrite, printing no value', async () => {
    const stdout = await tarmac('secrets', 'init', 'hello', 'staging', '--aws', '--region', 'eu-west-1');

    expect(puts()).toEqual([
      { Name: '/tarmac/hello/staging/erlang_cookie', Value: expect.any(String), Type: 'SecureString' },
      { Name: '/tarmac/hello/staging/secret_key_base', Value: expect.any(String), Type: 'SecureString' },
    ]);
    const [cookie, keyBase] = puts().map((input) => input.Value as string);
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(keyBase).toMatch(/^[A-Za-z0-9_-]{86}$/); // 64 random bytes
    expect(stdout).toBe(
      'hello/staging: generated erlang_cookie, secret_key_base\n' +
        '  still missing: database_password — tarmac secrets set hello/staging database_password --stdin --aws\n',
    );
    expect(stdout).not.toContain(cookie);
    expect(stdout).not.toContain(keyBase);
    expect(regions).toEqual(['eu-west-1']);
    expect(valuesRead()).toBe(0);
    expect(existsSync(join(dir, 'data', 'secrets'))).toBe(false);
  });

  it('init never overwrites an existing parameter', async () => {
    ssm.parameters.set('/tarmac/hello/staging/erlang_cookie', 'cookie-the-fleet-already-uses');
    ssm.parameters.set('/tarmac/hello/staging/database_password', 'pw');

    const stdout = await tarmac('secrets', 'init', 'hello', 'staging', '--aws');

    expect(ssm.parameters.get('/tarmac/hello/staging/erlang_cookie')).toBe('cookie-the-fleet-already-uses');
    expect(puts().every((input) => input.Overwrite !== true)).toBe(true);
    expect(stdout).toBe('hello/staging: generated secret_key_base\n');
    const again = await tarmac('--json', 'secrets', 'init', 'hello', 'staging', '--aws');
    expect(JSON.parse(again)).toEqual({ scope: 'hello/staging', created: [], missing: [], extra: [] });
    expect(valuesRead()).toBe(0);
  });

  it('set writes the value from a file as an overwriting SecureString and prints only the name', async () => {
    const file = join(dir, 'value');
    writeFileSync(file, 'whsec-0123456789abcdef\n');

    const stdout = await tarmac('secrets', 'set', '_global', 'github_webhook_secret', '--value-file', file, '--aws');

    expect(puts()).toEqual([
      {
        Name: '/tarmac/_global/github_webhook_secret',
        Value: 'whsec-0123456789abcdef',
        Type: 'SecureString',
        Overwrite: true,
      },
    ]);
    expect(stdout).toBe('_global/github_webhook_secret: set (SSM SecureString)\n');
  });

  it('list names a scope from metadata only, with the region from AWS_REGION', async () => {
    process.env.AWS_REGION = 'eu-north-1';
    ssm.parameters.set('/tarmac/hello/production/secret_key_base', 'kb');
    ssm.parameters.set('/tarmac/hello/production/erlang_cookie', 'ck');

    const stdout = await tarmac('secrets', 'list', 'hello/production', '--aws');

    expect(stdout).toBe('erlang_cookie\nsecret_key_base\n');
    expect(ssm.mock.commandCalls(DescribeParametersCommand)).toHaveLength(1);
    expect(valuesRead()).toBe(0);
    expect(regions).toEqual(['eu-north-1']);
  });

  it('without --aws the local store is used and SSM is never called', async () => {
    await tarmac('secrets', 'init', 'hello', 'staging');
    expect(ssm.mock.calls()).toHaveLength(0);
    expect(regions).toEqual([]);
    expect(existsSync(join(dir, 'data', 'secrets', 'hello', 'staging', 'erlang_cookie'))).toBe(true);
  });
});

describe('tarmac secrets --aws through main (default SSM store)', () => {
  async function run(...args: string[]) {
    const out = memoryOutput();
    const code = await main(['node', 'tarmac', '--config', config, '--data', join(dir, 'data'), ...args], out);
    return { code, stdout: out.out.join(''), stderr: out.err.join('') };
  }

  it('builds its SSM client in the --region given, under /tarmac', async () => {
    const every = mockClient(SSMClient);
    try {
      every.on(PutParameterCommand).resolves({ Version: 1 });
      every.on(DescribeParametersCommand).resolves({ Parameters: [] });

      const { code } = await run('secrets', 'init', 'hello', 'production', '--aws', '--region', 'eu-central-1');

      expect(code).toBe(0);
      const calls = every.commandCalls(PutParameterCommand);
      expect(calls.map((c) => c.args[0].input.Name)).toEqual([
        '/tarmac/hello/production/erlang_cookie',
        '/tarmac/hello/production/secret_key_base',
      ]);
      const client = calls[0]?.thisValue as SSMClient;
      expect(await client.config.region()).toBe('eu-central-1');
    } finally {
      every.restore();
    }
  });

  it('fails without a region, saying how to give one, before any request leaves', async () => {
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete process.env[name];
    Object.assign(process.env, {
      AWS_CONFIG_FILE: join(dir, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example',
      AWS_EC2_METADATA_DISABLED: 'true',
      // Belt and braces: were a region found after all, the request would go to a closed loopback port.
      AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:9',
    });

    const { code, stderr } = await run('secrets', 'list', '_global', '--aws');

    expect(code).toBe(1);
    expect(stderr).toBe('error: no AWS region for --aws — pass --region <region> or set AWS_REGION\n');
  });
});
