import { describe, expect, it } from 'vitest';
import { configJsonSchema, instanceOf, parseConfig } from '../../../functions/core/config';
import { generatedDatabaseSecrets } from '../../../functions/core/config/database';
import { planDeployment } from '../../../functions/core/plans';
import { errorsOf } from './config-errors';

const config = (staging: string, production = '{}') => `fleets: { web: { hosts: [h1] } }
apps:
  hello:
    repo: o/hello
    release: hello
    fleet: web
    environments:
      staging: { port: 4001, database: ${staging} }
      production: { port: 4002, database: ${production} }
`;

describe('database config', () => {
  it('reads a name (the old form) and {} as local databases owned by the system user', () => {
    const parsed = parseConfig(config('hello_stage'));
    expect(instanceOf(parsed, 'hello', 'staging').database).toEqual({
      kind: 'local',
      name: 'hello_stage',
      user: 'tarmac_hello_staging',
    });
    expect(instanceOf(parsed, 'hello', 'production').database).toEqual({
      kind: 'local',
      name: 'hello_production',
      user: 'tarmac_hello_production',
    });
    expect(instanceOf(parsed, 'hello', 'production').secrets).toEqual(['erlang_cookie', 'secret_key_base']);
  });

  it('has no database when the key is omitted', () => {
    const parsed = parseConfig(config('{}').replace(', database: {} }', ' }'));
    expect(instanceOf(parsed, 'hello', 'staging').database).toBeUndefined();
    expect(instanceOf(parsed, 'hello', 'production').database?.kind).toBe('local');
  });

  it('reads an external database, port 5432 by default, whose password is the database_password secret', () => {
    const instance = instanceOf(
      parseConfig(config('{ host: db.example.com, name: hello, user: app }')),
      'hello',
      'staging',
    );
    expect(instance.database).toEqual({
      kind: 'external',
      host: 'db.example.com',
      port: 5432,
      name: 'hello',
      user: 'app',
    });
    expect(instance.secrets).toEqual(['erlang_cookie', 'secret_key_base', 'database_password']);
  });

  it('names what an external database lacks and what only an external one takes', () => {
    expect(errorsOf(config('{ host: db.example.com }'))).toEqual([
      expect.stringMatching(
        /^apps\.hello\.environments\.staging\.database\.name: an external database \(host: db\.example\.com\) needs name: too/,
      ),
      expect.stringMatching(/^apps\.hello\.environments\.staging\.database\.user: an external database/),
    ]);
    expect(errorsOf(config('{ user: app }'))[0]).toContain('user is only for an external database — add host:');
    expect(errorsOf(config('Hello-DB')).join('\n')).toContain('Hello-DB');
  });

  it('keeps database names unique per server: the same name on two external servers is fine', () => {
    expect(errorsOf(config('{ host: a, name: x, user: u }', '{ host: a, name: x, user: v }'))).toEqual([
      expect.stringContaining('database x on a:5432 is used by hello/staging and hello/production on fleet web'),
    ]);
    expect(() => parseConfig(config('{ host: a, name: x, user: u }', '{ host: b, name: x, user: u }'))).not.toThrow();
    expect(() => parseConfig(config('x', '{ host: b, name: x, user: u }'))).not.toThrow();
    expect(errorsOf(config('x', '{ name: x }'))[0]).toContain(
      'database x is used by hello/staging and hello/production',
    );
  });

  it('refuses env keys that would override the DATABASE_* variables tarmac sets', () => {
    const text = config('x').replace('database: x }', 'database: x, env: { DATABASE_HOST: elsewhere } }');
    expect(errorsOf(text).join('\n')).toContain('DATABASE_HOST');
  });

  it('describes both kinds in the JSON Schema', () => {
    const text = JSON.stringify(configJsonSchema());
    expect(text).toContain('"host"');
    expect(text).toContain('"user"');
  });

  it("reads a database on a host of the fleet: the system user's role, port 5432, a generated password", () => {
    const text = config('{ server: h1 }').replace('hosts: [h1]', 'hosts: [h1, h2]');
    const instance = instanceOf(parseConfig(text), 'hello', 'staging');
    expect(instance.database).toEqual({
      kind: 'server',
      server: 'h1',
      port: 5432,
      name: 'hello_staging',
      user: 'tarmac_hello_staging',
    });
    expect(instance.secrets).toContain('database_password');
    expect(generatedDatabaseSecrets(instance.database)).toEqual(['database_password']);
  });

  it('names a server outside the fleet, and what does not go with server:', () => {
    expect(errorsOf(config('{ server: db9 }'))).toEqual([
      expect.stringMatching(/database\.server.*database server db9 is not a host of fleet web \(h1\)/),
    ]);
    expect(errorsOf(config('{ server: h1, user: app }')).join('\n')).toMatch(/user does not go with server: h1/);
  });

  it('keeps a fleet host database and a local one of the same name apart (one server holds both)', () => {
    expect(errorsOf(config('{ server: h1, name: shared }', 'shared')).join('\n')).toMatch(/database shared/);
  });

  it('orders the database host first in the plan: it provisions what the others wait for', () => {
    const text = config('{ server: h2 }').replace('hosts: [h1]', 'hosts: [h1, h2]');
    const plan = planDeployment({
      instance: instanceOf(parseConfig(text), 'hello', 'staging'),
      hosts: ['h1', 'h2'],
      release: { id: 'r', version: '1.0.0', sha256: 'ab'.repeat(32), artifactKey: 'k' },
      deploymentId: 'd',
      correlationId: 'c',
    });
    expect(plan.batches).toEqual([['h2'], ['h1']]);
  });
});
