import { HOOK_SCRIPTS, renderAppspec } from './appspec';
import { renderInstanceEnv, renderReleaseJson, renderStartWrapper } from './instance-env';
import { renderNeedsEnv, renderPlatformScript } from './needs-env';
import { renderMaintenancePage, renderNginxShared, renderVhost } from './nginx';
import { renderSlotEnv, slotTemplateUnit } from './slots';
import { template } from './templates';
import type { BundleFile, RenderInput } from './types';
import { renderUnit } from './unit';

export type { BundleFile, MigrationLock, RenderInput, SecretsSource } from './types';

const EXECUTABLE = 0o755;
const READABLE = 0o644;

/**
 * Render the deployment bundle of one instance for one deployment: `appspec.yml`, `hooks/*.sh`, and under
 * `tarmac/` the hook library, `instance.env`, `release.json`, the unit, the start wrapper and the tarball
 * validator. Deterministic (same input → same files, sorted by path); holds no secret values.
 *
 * @example
 * const files = renderBundle({ instance, plan, releaseUrl: 's3://b/k', secretsSource, migrationLock });
 * await writeBundle('/tmp/bundle', files);
 */
export function renderBundle(input: RenderInput): BundleFile[] {
  const { instance } = input;
  const files: BundleFile[] = [
    { path: 'appspec.yml', content: renderAppspec(instance), mode: READABLE },
    ...Object.values(HOOK_SCRIPTS).map((path) => ({ path, content: template(path), mode: EXECUTABLE })),
    { path: 'tarmac/lib.sh', content: template('lib.sh'), mode: READABLE },
    { path: 'tarmac/lock.sh', content: template('lock.sh'), mode: READABLE },
    { path: 'tarmac/database.sh', content: template('database.sh'), mode: READABLE },
    { path: 'tarmac/bake.sh', content: template('bake.sh'), mode: READABLE },
    { path: 'tarmac/database-server.sh', content: template('database-server.sh'), mode: READABLE },
    { path: 'tarmac/instance.env', content: renderInstanceEnv(input), mode: READABLE },
    { path: 'tarmac/release.json', content: renderReleaseJson(input), mode: READABLE },
    { path: 'tarmac/needs.env', content: renderNeedsEnv(input), mode: READABLE },
    { path: 'tarmac/platform.sh', content: renderPlatformScript(), mode: READABLE },
    // Always rendered: with slots it is not installed, but the bundle stays uniform.
    { path: `tarmac/${instance.unit}`, content: renderUnit(instance), mode: READABLE },
    { path: 'tarmac/tarmac-start', content: renderStartWrapper(input, template('start-wrapper.sh')), mode: EXECUTABLE },
    { path: 'tarmac/tarball.py', content: template('tarball.py'), mode: EXECUTABLE },
    { path: 'tarmac/ssm-secrets.py', content: template('ssm-secrets.py'), mode: EXECUTABLE },
    { path: 'tarmac/nginx.sh', content: template('nginx.sh'), mode: READABLE },
    { path: 'tarmac/slots.sh', content: template('slots.sh'), mode: READABLE },
    ...trafficFiles(input),
  ];
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The vhost (with nginx) and the slot template unit and environments (with slots). */
function trafficFiles({ instance }: RenderInput): BundleFile[] {
  const files: BundleFile[] = [];
  if (instance.nginx) {
    files.push(
      { path: 'tarmac/nginx/site.conf', content: renderVhost(instance, instance.nginx), mode: READABLE },
      { path: 'tarmac/nginx/shared.conf', content: renderNginxShared(), mode: READABLE },
      { path: 'tarmac/nginx/maintenance.html', content: renderMaintenancePage(instance.nginx), mode: READABLE },
    );
  }
  if (instance.slots) {
    const { blue, green } = instance.slots;
    files.push(
      { path: `tarmac/${slotTemplateUnit(instance)}`, content: renderUnit(instance, true), mode: READABLE },
      { path: 'tarmac/slot-blue.env', content: renderSlotEnv(instance, blue), mode: READABLE },
      { path: 'tarmac/slot-green.env', content: renderSlotEnv(instance, green), mode: READABLE },
    );
  }
  return files;
}
