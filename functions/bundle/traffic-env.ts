import type { Instance } from '../core/config/instances';
import { NGINX_SHARED, nginxDir, upstreamName } from './nginx';
import { slotTemplateUnit } from './slots';

/** What the hooks know about nginx and slots (`instance.env`); `off` values keep every name defined. */
export function trafficVariables(i: Instance): [string, string][] {
  return [
    ['TARMAC_DOMAIN', i.domain ?? ''],
    ['TARMAC_NGINX', i.nginx ? 'on' : 'off'],
    ['TARMAC_NGINX_DIR', nginxDir(i)],
    ['TARMAC_NGINX_SHARED', NGINX_SHARED],
    ['TARMAC_UPSTREAM', upstreamName(i)],
    ['TARMAC_SLOTS', i.slots ? 'on' : 'off'],
    ['TARMAC_SLOT_TEMPLATE', slotTemplateUnit(i)],
    ['TARMAC_BLUE_PORT', String(i.slots?.blue.port ?? i.port)],
    ['TARMAC_GREEN_PORT', String(i.slots?.green.port ?? '')],
    ['TARMAC_DRAIN', String(i.slots?.drain ?? 0)],
  ];
}
