import { describe, expect, it } from 'vitest';
import { instanceOf, parseConfig } from '../../../functions/core/config';
import { errorsOf, example } from './config-errors';

/** One app, one environment, with the given YAML lines inside the environment. */
function oneEnv(lines: string, names = { app: 'hello', env: 'staging' }): string {
  return `fleets: { web: { hosts: [h1] } }
apps:
  ${names.app}:
    repo: acme/hello
    release: hello
    fleet: web
    environments:
      ${names.env}:
        port: 4001
${lines
  .split('\n')
  .map((l) => `        ${l}`)
  .join('\n')}
`;
}

describe('tarmac config check refuses what would fail later, naming the key and the value', () => {
  it('fails on env values with newline, CR or NUL (render used to be the first to refuse them)', () => {
    for (const value of ['"a\\nb"', '"a\\rb"', '"a\\0b"']) {
      const errors = errorsOf(oneEnv(`env: { POOL_SIZE: ${value} }`));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        /^apps\.hello\.environments\.staging\.env\.POOL_SIZE: must not contain newline, CR, NUL/,
      );
      expect(errors[0]).toContain('(received "a\\');
    }
  });

  it('fails on a health path that is not a clean URL path', () => {
    for (const path of ['health', '//evil.example/x', '/a/../b', '/a b', '/x#y', '/a\\\\b', '/a//b', '/./x']) {
      const errors = errorsOf(oneEnv(`health: { path: "${path}" }`));
      expect(errors.length, path).toBeGreaterThan(0);
      expect(errors[0], path).toMatch(/^apps\.hello\.environments\.staging\.health\.path: must /);
    }
    expect(() => parseConfig(oneEnv('health: { path: "/healthz?full=1" }'))).not.toThrow();
  });

  it('fails on a domain that is not a host name', () => {
    for (const domain of ['..', '-a.example.com', 'a..b', 'a.example.com.', `${'a'.repeat(64)}.com`]) {
      const errors = errorsOf(oneEnv(`domain: "${domain}"`));
      expect(errors, domain).toEqual([
        expect.stringMatching(/^apps\.hello\.environments\.staging\.domain: must be a host name/),
      ]);
    }
    expect(() => parseConfig(oneEnv('domain: staging.hello-1.example.com'))).not.toThrow();
  });

  it('fails on secret names that become dangerous variables, saying why', () => {
    for (const [secret, variable] of [
      ['path', 'PATH'],
      ['ld_preload', 'LD_PRELOAD'],
      ['home', 'HOME'],
      ['release_cookie', 'RELEASE_COOKIE'],
      ['bash_env', 'BASH_ENV'],
    ]) {
      const [error] = errorsOf(oneEnv(`secrets: [${secret}]`));
      expect(error).toMatch(
        new RegExp(`^apps\\.hello\\.environments\\.staging\\.secrets\\.0: secret "${secret}" would set ${variable}: `),
      );
    }
  });

  it('fails on env keys that override what tarmac or systemd set, or collide with a secret', () => {
    for (const key of [
      'PORT',
      'RELEASE_NODE',
      'RELEASE_COOKIE',
      'PHX_HOST',
      'LD_PRELOAD',
      'PATH',
      'TARMAC_APP',
      'CREDENTIALS_DIRECTORY',
    ]) {
      const errors = errorsOf(oneEnv(`env: { ${key}: "x" }`));
      expect(errors, key).toEqual([
        expect.stringMatching(
          new RegExp(`^apps\\.hello\\.environments\\.staging\\.env\\.${key}: env key "${key}" would set ${key}: `),
        ),
      ]);
    }
    expect(() => parseConfig(oneEnv('env: { RELEASE_DISTRIBUTION: name, POOL_SIZE: "5" }'))).not.toThrow();
    expect(errorsOf(oneEnv('secrets: [database_password]\nenv: { DATABASE_PASSWORD: "x" }'))).toEqual([
      expect.stringContaining('env key DATABASE_PASSWORD is also the variable of a secret of hello/staging'),
    ]);
  });

  it('says which characters a name may have instead of "Invalid key in record" and the whole object', () => {
    expect(errorsOf(example.replace('  hello:\n', '  Hello_App:\n'))).toEqual([
      'apps.Hello_App: "Hello_App" is not a valid app name: must be lowercase letters, digits and dashes, starting with a letter (≤ 31) (line 13, column 5)',
    ]);
    const [env] = errorsOf(oneEnv('env: { pool-size: "5" }'));
    expect(env).toMatch(
      /^apps\.hello\.environments\.staging\.env\.pool-size: "pool-size" is not a valid environment variable name: must be an UPPER_CASE .*\(A-Z, 0-9, _\)/,
    );
    expect(env).not.toContain('received');
  });

  it('derives a shorter, still distinct system user when tarmac_<app>_<env> exceeds 32 characters', () => {
    const app = 'billing-service-api';
    const config = parseConfig(oneEnv('', { app, env: 'production' }));
    const user = instanceOf(config, app, 'production').systemUser;
    expect(user.length).toBeLessThanOrEqual(32);
    expect(user).toMatch(/^tarmac_billing_service_[0-9a-f]{8}$/);
    expect(
      instanceOf(parseConfig(oneEnv('', { app: 'hello', env: 'production' })), 'hello', 'production').systemUser,
    ).toBe('tarmac_hello_production');
  });
});

describe('fleets that share a host', () => {
  const twoFleets = (web2Hosts: string) => `fleets: { web: { hosts: [h1, h2] }, web2: { hosts: [${web2Hosts}] } }
apps:
  a-b: { repo: o/a, release: a, fleet: web, environments: { c: { port: 4001 } } }
  a: { repo: o/b, release: b, fleet: web2, environments: { b-c: { port: 4001 } } }
`;

  it('fails when a-b/c (fleet web) and a/b-c (fleet web2) derive the same user, unit and credentials dir', () => {
    const errors = errorsOf(twoFleets('h1'));
    expect(errors).toContain(
      'apps.a-b.environments.c: system user tarmac_a_b_c is used by a-b/c (fleet web) and a/b-c (fleet web2) — system users must be unique, whatever their fleets',
    );
    expect(
      errors.some((e) =>
        e.includes(
          'unit (and credentials dir) tarmac-a-b-c.service is used by a-b/c (fleet web) and a/b-c (fleet web2)',
        ),
      ),
    ).toBe(true);
    expect(errors).toContain(
      'apps.a-b.environments.c.port: port 4001 is used by a-b/c (fleet web) and a/b-c (fleet web2) on host h1 — ports must be unique per host',
    );
  });

  it('allows the same port on fleets whose hosts are disjoint, but still refuses the derived-name clash', () => {
    const errors = errorsOf(twoFleets('h3'));
    expect(errors.some((e) => e.includes('port 4001'))).toBe(false);
    expect(errors.some((e) => e.includes('system user tarmac_a_b_c'))).toBe(true);
  });
});
