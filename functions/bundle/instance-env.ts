import { canaryGroupName, canaryOf } from '../core/canary';
import { DEFAULT_RELEASE_LIMITS } from '../release/limits';
import { BundleInputError } from './errors';
import { bashArray, bashQuote } from './quote';
import { trafficVariables } from './traffic-env';
import type { RenderInput } from './types';
import { serviceEnvironmentLines, startWrapperPath, stateDirPath } from './unit';

/** Seconds between two health checks of a canary's bake. */
const BAKE_INTERVAL_SECONDS = 2;

/** Ids that end up in paths, lock keys and JSON on hosts: kept to characters that need no escaping anywhere. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

function safeId(what: string, value: string): string {
  if (!SAFE_ID.test(value)) {
    throw new BundleInputError(`${what} "${value}" cannot be used on hosts — letters, digits, . _ + - only`, {
      [what]: value,
    });
  }
  return value;
}

function releaseUrl(url: string): string {
  if (/^s3:\/\/[^/]+\/.+/.test(url) || /^file:\/\/\/.+/.test(url)) return url;
  throw new BundleInputError(`release URL "${url}" is not s3://bucket/key or file:///absolute/path`, { url });
}

/**
 * `tarmac/instance.env`: everything the hooks know about the instance and this deployment, as bash
 * assignments (every value quoted). Nothing secret: secrets are fetched by BeforeInstall at run time.
 */
export function renderInstanceEnv(input: RenderInput): string {
  const { instance: i, plan, secretsSource, migrationLock } = input;
  const limits = { ...DEFAULT_RELEASE_LIMITS, ...input.limits };
  const canary = canaryOf(i.appConfig.strategy);
  const vars: [string, string][] = [
    ['TARMAC_APP', i.app],
    ['TARMAC_ENV', i.env],
    ['TARMAC_INSTANCE', i.id],
    ['TARMAC_RELEASE_NAME', i.release],
    ['TARMAC_UNIT', i.unit],
    ['TARMAC_USER', i.systemUser],
    ['TARMAC_ROOT', i.root],
    ['TARMAC_START_WRAPPER', startWrapperPath(i)],
    ['TARMAC_STATE_DIRECTORY', i.stateDirectory],
    ['TARMAC_STATE_DIR', stateDirPath(i)],
    ['TARMAC_RUNTIME_DIRECTORY', i.runtimeDirectory],
    ['TARMAC_CREDENTIALS_DIR', i.credentialsDir],
    ['TARMAC_PORT', String(i.port)],
    ['TARMAC_HEALTH_PATH', i.health.path],
    ['TARMAC_HEALTH_TIMEOUT', String(i.health.timeout)],
    ['TARMAC_KEEP_RELEASES', String(i.appConfig.keep_releases)],
    ['TARMAC_RELEASE_ID', safeId('release id', plan.release.id)],
    ['TARMAC_RELEASE_VERSION', plan.release.version],
    ['TARMAC_RELEASE_SHA256', plan.release.sha256],
    ['TARMAC_RELEASE_URL', releaseUrl(input.releaseUrl)],
    ['TARMAC_PREVIOUS_RELEASE_ID', plan.previousReleaseId ?? ''],
    ['TARMAC_DEPLOYMENT_ID', safeId('deployment id', plan.deploymentId)],
    ['TARMAC_CORRELATION_ID', plan.correlationId],
    ['TARMAC_SECRETS_KIND', secretsSource.kind],
    ['TARMAC_SECRETS_PATH', secretsSource.path],
    ['TARMAC_SECRETS_REGION', secretsSource.kind === 'ssm' ? (secretsSource.region ?? '') : ''],
    ['TARMAC_LOCK_KIND', migrationLock.kind],
    ['TARMAC_LOCK_TARGET', migrationLock.kind === 'dynamodb' ? migrationLock.table : migrationLock.path],
    ['TARMAC_LOCK_REGION', migrationLock.kind === 'dynamodb' ? (migrationLock.region ?? '') : ''],
    ['TARMAC_MIGRATE', i.appConfig.migrate ?? ''],
    // A database on each host's own server is migrated by each host; any other once across the fleet.
    ['TARMAC_MIGRATE_SCOPE', i.database?.kind === 'local' ? 'host' : 'fleet'],
    // BeforeInstall provisions a local database (role = the system user, owning the database); nothing else.
    ['TARMAC_DATABASE_KIND', i.database?.kind ?? 'none'],
    ['TARMAC_DATABASE_NAME', i.database?.name ?? ''],
    // A database on a host of the fleet: its name (how every host reaches it) and port.
    ['TARMAC_DATABASE_SERVER', i.database?.kind === 'server' ? i.database.server : ''],
    ['TARMAC_DATABASE_PORT', i.database && i.database.kind !== 'local' ? String(i.database.port) : ''],
    ['TARMAC_MIGRATE_WAIT', '1500'],
    // A canary strategy: ValidateService bakes when run through the canary group (see templates/bake.sh).
    ['TARMAC_CANARY_GROUP', canary ? canaryGroupName(i.app, i.env) : ''],
    ['TARMAC_BAKE_SECONDS', String(canary?.bake ?? 0)],
    ['TARMAC_BAKE_INTERVAL', String(BAKE_INTERVAL_SECONDS)],
    ['TARMAC_MAX_BYTES', String(limits.maxBytes)],
    ['TARMAC_MAX_ENTRIES', String(limits.maxEntries)],
    ['TARMAC_MAX_DEPTH', String(limits.maxDepth)],
    ['TARMAC_MAX_RATIO', String(limits.maxRatio)],
    ...trafficVariables(i),
  ];
  const lines = vars.map(([key, value]) => `${key}=${bashQuote(value)}`);
  return `# shellcheck shell=bash disable=SC2034
# Rendered by tarmac: ${i.app}/${i.env}, release ${plan.release.id}, deployment ${plan.deploymentId}. No secrets here.
${lines.join('\n')}
# Secrets every host must hold (names only) and the service's non-secret environment (quoted for systemd-run -p).
TARMAC_SECRETS=${bashArray(i.secrets)}
TARMAC_SERVICE_ENV=${bashArray(serviceEnvironmentLines(i, 'systemd-run'))}
# This app's environments in tarmac.yml: AfterInstall removes the units and vhosts of any other.
TARMAC_APP_ENVS=${bashArray(Object.keys(i.appConfig.environments))}
`;
}

/** `tarmac/release.json`: which tarball this bundle installs. */
export function renderReleaseJson(input: RenderInput): string {
  const { release } = input.plan;
  const json = { id: release.id, version: release.version, sha256: release.sha256, url: input.releaseUrl };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** The start wrapper: instance constants on top of the shared body. */
export function renderStartWrapper(input: RenderInput, body: string): string {
  const { instance } = input;
  return `#!/bin/bash
# tarmac start wrapper for ${instance.app}/${instance.env}; installed at ${startWrapperPath(instance)}.
set -euo pipefail
TARMAC_ROOT=${bashQuote(instance.root)}
TARMAC_RELEASE_NAME=${bashQuote(instance.release)}
${body}`;
}
