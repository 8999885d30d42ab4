import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { instanceOf, parseConfig } from '../../../functions/core/config';
import { helloConfigText } from '../../support/config-text';
import { errorsOf } from './config-errors';

const config = (web: string, staging: string, production = '') =>
  helloConfigText(
    `{ hosts: [h1]${web} }`,
    `      staging: { port: 4001, domain: staging.hello.test${staging} }
      production: { port: 4002, domain: hello.test${production} }`,
  );

describe('nginx and slots in tarmac.yml', () => {
  it('enables nginx for a whole fleet, lets an environment turn it off or tune it, and resolves slots', () => {
    const parsed = parseConfig(
      config(
        ', nginx: { listen: 8080 }',
        ', nginx: false',
        ', nginx: { tls: { certificate: /etc/ssl/hello.pem, key: /etc/ssl/hello.key } }, slots: { green_port: 4012 }',
      ),
    );
    expect(instanceOf(parsed, 'hello', 'staging').nginx).toBeUndefined();
    const production = instanceOf(parsed, 'hello', 'production');
    expect(production.nginx).toEqual({
      listen: 8080,
      tls: { certificate: '/etc/ssl/hello.pem', key: '/etc/ssl/hello.key', listen: 443 },
      maintenancePage: undefined,
    });
    expect(production.slots).toEqual({
      blue: { name: 'blue', port: 4002 },
      green: { name: 'green', port: 4012 },
      drain: 10,
    });
  });

  it('fails slots without nginx, nginx without a domain, and a green port another instance uses', () => {
    const errors = errorsOf(
      helloConfigText(
        '{ hosts: [h1] }',
        `      staging: { port: 4001, nginx: true }
      production: { port: 4002, domain: hello.test, slots: { green_port: 4001 } }`,
      ),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringContaining('nginx is enabled for hello/staging but it has no domain'),
        expect.stringContaining('slots of hello/production need nginx'),
        expect.stringContaining('port 4001 is used by hello/staging and hello/production on fleet web'),
      ]),
    );
  });

  it('fails a TLS path nginx could misread, naming it', () => {
    const errors = errorsOf(config('', ', nginx: { tls: { certificate: "/etc/ssl/a b.pem", key: ../key } }'));
    expect(errors.join('\n')).toMatch(/tls\.certificate: must be an absolute path/);
    expect(errors.join('\n')).toMatch(/tls\.key: must be an absolute path/);
  });

  it("fails a green port equal to the slot's own port", () => {
    expect(errorsOf(config(', nginx: true', ', slots: { green_port: 4001 }')).join('\n')).toContain(
      'green_port 4001 of hello/staging is also its port (blue)',
    );
  });
});

describe('examples/traffic.yml', () => {
  it('is valid and gives production slots and TLS, staging a plain vhost', () => {
    const parsed = parseConfig(readFileSync(new URL('../../../examples/traffic.yml', import.meta.url), 'utf8'));
    expect(instanceOf(parsed, 'hello', 'staging')).toMatchObject({
      nginx: { listen: 80, tls: undefined },
      slots: undefined,
    });
    expect(instanceOf(parsed, 'hello', 'production')).toMatchObject({
      nginx: { tls: { listen: 443 } },
      slots: { green: { port: 4012 }, drain: 10 },
    });
  });
});
