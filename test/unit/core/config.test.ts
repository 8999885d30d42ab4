import { describe, expect, it } from 'vitest';
import { instanceOf, parseConfig } from '../../../functions/core/config';
import { errorsOf, example } from './config-errors';

describe('parseConfig', () => {
  it('accepts the shipped example and fills defaults', () => {
    const config = parseConfig(example);
    expect(Object.keys(config.apps.hello?.environments ?? {})).toEqual(['staging', 'production']);
    expect(config.apps.hello?.environments.staging?.health).toEqual({ path: '/health', timeout: 30 });
    expect(config.apps.hello?.strategy).toBe('one-at-a-time');
  });

  it('derives instance names with dashes turned into underscores', () => {
    const text = example.replace('  hello:\n', '  hello-web:\n');
    const instance = instanceOf(parseConfig(text), 'hello-web', 'staging');
    expect(instance.systemUser).toBe('tarmac_hello_web_staging');
    expect(instance.releaseNode).toBe('hello_web_staging');
    expect(instance.unit).toBe('tarmac-hello-web-staging.service');
    expect(instance.credentialsDir).toBe('/etc/tarmac/hello-web-staging/credentials');
    expect(instance.secrets).toEqual(['erlang_cookie', 'secret_key_base', 'database_password']);
  });

  it('fails with line and column on malformed YAML', () => {
    const [error] = errorsOf('fleets:\n  web: [h1\napps: {}\n');
    expect(error).toMatch(/^invalid YAML: .* \(line \d+, column \d+\)$/);
  });

  it('fails naming path, expectation and received value on a wrong type', () => {
    const errors = errorsOf(example.replace('port: 4001', 'port: "four"'));
    expect(errors).toEqual([
      'apps.hello.environments.staging.port: expected number, received "four" (line 21, column 15)',
    ]);
  });

  it('fails on unknown keys, naming them', () => {
    const errors = errorsOf(example.replace('keep_releases: 5', 'keep_releases: 5\n    replicas: 3'));
    expect(errors[0]).toMatch(/^apps\.hello: unknown key "replicas"/);
  });

  it('fails listing every clash between staging and production with both names and the fleet', () => {
    const clashing = example
      .replace('port: 4001', 'port: 4001\n        database: hello_staging')
      .replace('port: 4002', 'port: 4001\n        database: { name: hello_staging }');
    const errors = errorsOf(clashing);
    expect(errors).toContain(
      'apps.hello.environments.staging.port: port 4001 is used by hello/staging and hello/production on fleet web — ports must be unique per fleet',
    );
    expect(errors.some((e) => e.includes('database hello_staging is used by hello/staging and hello/production'))).toBe(
      true,
    );
    expect(errors).toHaveLength(2);
  });

  it('fails when two apps on one fleet derive the same node name, user and state dir', () => {
    const text = `fleets: { web: { hosts: [h1] } }
apps:
  a-b:
    { repo: o/a, release: a, fleet: web, environments: { c: { port: 4001 } } }
  a:
    { repo: o/b, release: b, fleet: web, environments: { b-c: { port: 4002 } } }
`;
    const errors = errorsOf(text);
    expect(errors.some((e) => e.includes('RELEASE_NODE a_b_c is used by a-b/c and a/b-c on fleet web'))).toBe(true);
    expect(errors.some((e) => e.includes('system user tarmac_a_b_c'))).toBe(true);
  });

  it('fails on an unknown fleet', () => {
    const errors = errorsOf(example.replace('    fleet: web', '    fleet: api'));
    expect(errors[0]).toMatch(/apps\.hello\.fleet: unknown fleet "api"/);
  });
});
