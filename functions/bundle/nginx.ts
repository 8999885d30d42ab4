import type { Instance } from '../core/config/instances';
import type { Nginx } from '../core/config/traffic';

/** Every tarmac vhost lives in its own directory here: `site.conf`, `upstream.conf`, the maintenance page and flag. */
export const NGINX_ROOT = '/etc/nginx/tarmac';
/** The one file Debian's nginx.conf includes (`conf.d/*.conf`) that pulls every tarmac vhost in. */
export const NGINX_SHARED = '/etc/nginx/conf.d/tarmac.conf';

/** `/etc/nginx/tarmac/<app>-<env>`: the instance's nginx files. */
export const nginxDir = (instance: Pick<Instance, 'id'>) => `${NGINX_ROOT}/${instance.id}`;
/** The file whose presence puts the instance in maintenance (nginx checks it on every request: no reload). */
export const maintenanceFlag = (instance: Pick<Instance, 'id'>) => `${nginxDir(instance)}/maintenance`;
/** nginx upstream name of the instance; dashes are fine in nginx names but underscores read as one word. */
export const upstreamName = (instance: Pick<Instance, 'id'>) => `tarmac_${instance.id.replaceAll('-', '_')}`;

const DEFAULT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Down for maintenance</title></head>
<body><h1>Down for maintenance</h1><p>We will be back shortly.</p></body></html>
`;

/** The page answered with 503 while the instance is in maintenance. */
export function renderMaintenancePage(nginx: Nginx): string {
  return nginx.maintenancePage ?? DEFAULT_PAGE;
}

/**
 * Shared by every tarmac vhost on a host: the websocket `Connection` header map (one definition per nginx, so
 * it cannot live in a vhost) and the include of each instance's `site.conf`.
 */
export function renderNginxShared(): string {
  return `# Rendered by tarmac; shared by every tarmac instance on this host. Each vhost: ${NGINX_ROOT}/<app>-<env>/site.conf
map $http_upgrade $tarmac_connection_upgrade {
  default upgrade;
  '' close;
}
include ${NGINX_ROOT}/*/site.conf;
`;
}

function proxyLocation(instance: Instance): string[] {
  return [
    '  location / {',
    // `if` holding only `return` is safe inside a location; the flag is checked on every request.
    `    if (-f ${maintenanceFlag(instance)}) { return 503; }`,
    `    proxy_pass http://${upstreamName(instance)};`,
    '    proxy_http_version 1.1;',
    '    proxy_set_header Upgrade $http_upgrade;',
    '    proxy_set_header Connection $tarmac_connection_upgrade;',
    '    proxy_set_header Host $host;',
    '    proxy_set_header X-Real-IP $remote_addr;',
    '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '    proxy_set_header X-Forwarded-Proto $scheme;',
    '    proxy_set_header X-Forwarded-Host $host;',
    // Websockets (LiveView) stay open for long: nginx must not close an idle one after its 60 s default.
    '    proxy_read_timeout 3600s;',
    '    proxy_send_timeout 3600s;',
    '  }',
    '  error_page 503 /.tarmac/maintenance.html;',
    '  location = /.tarmac/maintenance.html {',
    '    internal;',
    `    alias ${nginxDir(instance)}/maintenance.html;`,
    '    default_type text/html;',
    '    add_header Cache-Control "no-store" always;',
    '    add_header Retry-After "120" always;',
    '  }',
  ];
}

/**
 * The instance's vhost: `server_name` its domain, proxying to `upstream.conf` (the active slot, or the one
 * port), websocket upgrade, forwarded headers, long read timeouts, the maintenance switch, and TLS when
 * configured (plain HTTP then redirects to HTTPS).
 */
export function renderVhost(instance: Instance, nginx: Nginx): string {
  const domain = instance.domain as string; // the config assertions refuse nginx without a domain
  const header = [
    `# Rendered by tarmac for ${instance.app}/${instance.env}; installed by AfterInstall after nginx -t.`,
    `include ${nginxDir(instance)}/upstream.conf;`,
  ];
  if (!nginx.tls) {
    return `${[...header, 'server {', `  listen ${nginx.listen};`, `  server_name ${domain};`, ...proxyLocation(instance), '}'].join('\n')}\n`;
  }
  const lines = [
    ...header,
    'server {',
    `  listen ${nginx.listen};`,
    `  server_name ${domain};`,
    '  return 301 https://$host$request_uri;',
    '}',
    'server {',
    `  listen ${nginx.tls.listen} ssl;`,
    `  server_name ${domain};`,
    `  ssl_certificate ${nginx.tls.certificate};`,
    `  ssl_certificate_key ${nginx.tls.key};`,
    ...proxyLocation(instance),
    '}',
  ];
  return `${lines.join('\n')}\n`;
}
