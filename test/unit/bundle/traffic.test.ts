import { describe, expect, it } from 'vitest';
import { renderBundle } from '../../../functions/bundle/render';
import { maintenanceScript } from '../../../functions/core/maintenance';
import { helloConfigText } from '../../support/config-text';
import { renderInput } from './fixture';

const trafficConfig = helloConfigText(
  '{ hosts: [h1, h2], nginx: true }',
  `
      staging:
        port: 4001
        domain: staging.hello.test
        slots: { green_port: 4011, drain: 7 }
        nginx: { tls: { certificate: /etc/ssl/s.pem, key: /etc/ssl/s.key }, maintenance_page: "<p>soon</p>" }
      production: { port: 4002, domain: hello.test }`,
);
const files = renderBundle(renderInput({}, trafficConfig));
const file = (path: string) => files.find((f) => f.path === path)?.content ?? '';

describe('the bundle of an instance behind nginx, in slots', () => {
  it('renders a vhost for the domain: upstream include, websocket upgrade, forwarded headers, TLS, maintenance', () => {
    const site = file('tarmac/nginx/site.conf');
    expect(site).toContain('include /etc/nginx/tarmac/hello-staging/upstream.conf;');
    expect(site).toContain('server_name staging.hello.test;');
    expect(site).toContain('return 301 https://$host$request_uri;');
    expect(site).toContain('listen 443 ssl;');
    expect(site).toContain('ssl_certificate /etc/ssl/s.pem;');
    expect(site).toContain('proxy_pass http://tarmac_hello_staging;');
    expect(site).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(site).toContain('proxy_set_header Connection $tarmac_connection_upgrade;');
    expect(site).toContain('proxy_set_header X-Forwarded-Proto $scheme;');
    expect(site).toContain('proxy_read_timeout 3600s;');
    expect(site).toContain('if (-f /etc/nginx/tarmac/hello-staging/maintenance) { return 503; }');
    expect(file('tarmac/nginx/maintenance.html')).toBe('<p>soon</p>');
    expect(file('tarmac/nginx/shared.conf')).toContain('include /etc/nginx/tarmac/*/site.conf;');
  });

  it('renders the slot template unit and each slot its port, node name and runtime directory', () => {
    const unit = file('tarmac/tarmac-hello-staging@.service');
    expect(unit).toContain('ExecStart=/opt/tarmac/hello/staging/bin/tarmac-start --slot %i start');
    expect(unit).toContain('EnvironmentFile=/etc/tarmac/hello-staging/slot-%i.env');
    expect(unit).toContain('RuntimeDirectory=tarmac-hello-staging-%i');
    expect(unit).not.toMatch(/Environment="PORT=/);
    expect(file('tarmac/slot-green.env')).toContain('PORT=4011\nRELEASE_NODE=hello_staging_green\n');
    expect(file('tarmac/slot-blue.env')).toContain('PORT=4001\nRELEASE_NODE=hello_staging_blue\n');
    const env = file('tarmac/instance.env');
    expect(env).toContain("TARMAC_SLOTS='on'");
    expect(env).toContain("TARMAC_DRAIN='7'");
    expect(env).toContain("TARMAC_APP_ENVS=('staging' 'production')");
  });

  it('renders no nginx or slot files for an instance without them', () => {
    const plain = renderBundle(renderInput());
    expect(plain.some((f) => f.path.startsWith('tarmac/nginx/') || f.path.includes('@'))).toBe(false);
    expect(plain.find((f) => f.path === 'tarmac/instance.env')?.content).toContain("TARMAC_NGINX='off'");
  });

  it('switches maintenance with a flag file the vhost checks (on creates it, off removes it)', () => {
    expect(maintenanceScript({ id: 'hello-staging' }, true)).toContain(
      'touch /etc/nginx/tarmac/hello-staging/maintenance',
    );
    expect(maintenanceScript({ id: 'hello-staging' }, false)).toContain(
      'rm -f /etc/nginx/tarmac/hello-staging/maintenance',
    );
  });
});
