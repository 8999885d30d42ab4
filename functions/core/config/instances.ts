import { DATABASE_PASSWORD_SECRET, type Database, resolveDatabase } from './database';
import { findFleet, requireEnvironment } from './lookup';
import type { AppConfig, EnvironmentConfig, FleetConfig, TarmacConfig } from './schema';
import { type Nginx, resolveNginx, resolveSlots, type Slots } from './traffic';

/**
 * One running copy of an app on a fleet: `<app>-<env>`. Every name a host needs is derived here, once, so
 * the bundle, the assertions and the docs agree.
 */
export interface Instance {
  readonly app: string;
  readonly env: string;
  /** `<app>-<env>` */
  readonly id: string;
  readonly fleet: string;
  readonly release: string;
  readonly port: number;
  readonly domain: string | undefined;
  readonly branch: string | undefined;
  /** Undefined: the instance has no database. */
  readonly database: Database | undefined;
  /**
   * `tarmac_<app>_<env>`, dashes turned into underscores; when that is longer than Linux's 32 characters,
   * `tarmac_<first 16 of app_env>_<8 hex of a hash of app/env>` (see {@link systemUserOf}).
   */
  readonly systemUser: string;
  /** Short node name for `RELEASE_NODE` (sname), unique per instance on a host. */
  readonly releaseNode: string;
  readonly unit: string;
  /** `/opt/tarmac/<app>/<env>` */
  readonly root: string;
  /** `tarmac/<app>/<env>`, relative to /var/lib (systemd `StateDirectory=`). */
  readonly stateDirectory: string;
  /** `tarmac-<app>-<env>`, relative to /run (systemd `RuntimeDirectory=`). */
  readonly runtimeDirectory: string;
  /** `/etc/tarmac/<app>-<env>/credentials` */
  readonly credentialsDir: string;
  /** Secret store scope, `<app>/<env>`. */
  readonly secretScope: string;
  /** Every secret the instance needs: the generated ones first, then the configured ones. */
  readonly secrets: readonly string[];
  readonly health: { readonly path: string; readonly timeout: number };
  readonly env_: Readonly<Record<string, string>>;
  /** nginx in front of the instance (a vhost for its domain); undefined: none. */
  readonly nginx: Nginx | undefined;
  /** Blue/green slots; undefined: one unit, restarted on each deploy. */
  readonly slots: Slots | undefined;
  readonly config: EnvironmentConfig;
  readonly appConfig: AppConfig;
  readonly fleetConfig: FleetConfig;
}

/** Secrets every instance has; tarmac generates them when missing. */
export const GENERATED_SECRETS = ['erlang_cookie', 'secret_key_base'] as const;

const underscored = (value: string) => value.replaceAll('-', '_');

/** useradd refuses longer user names (and so would systemd's User=). */
export const MAX_USER_NAME = 32;

/** 32-bit FNV-1a, as 8 hex digits: a stable, dependency-free tag that keeps shortened names distinct. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

/**
 * The system user of `<app>/<env>`: `tarmac_<app>_<env>` when it fits in {@link MAX_USER_NAME}, else a
 * shortened name that keeps a readable prefix and a hash of the full `<app>/<env>` (so `a-b/c` and `a/b-c`
 * still differ). `tarmac config check` prints it; collisions are still checked.
 */
export function systemUserOf(app: string, env: string): string {
  const full = `tarmac_${underscored(app)}_${underscored(env)}`;
  if (full.length <= MAX_USER_NAME) return full;
  const prefix = underscored(`${app}_${env}`).slice(0, 16).replace(/_+$/, '');
  return `tarmac_${prefix}_${fnv1a(`${app}/${env}`)}`;
}

/** The instance `<app>-<env>`; throws `UnknownNameError` (with the known names) for a name not in the file. */
export function instanceOf(config: TarmacConfig, app: string, env: string): Instance {
  const { app: appConfig, env: envConfig } = requireEnvironment(config, app, env);
  const fleetConfig = findFleet(config, appConfig.fleet) ?? { hosts: [], ssh: {} };
  const id = `${app}-${env}`;
  const systemUser = systemUserOf(app, env);
  const database = resolveDatabase(envConfig.database, underscored(`${app}_${env}`), systemUser);
  const databaseSecrets = database && database.kind !== 'local' ? [DATABASE_PASSWORD_SECRET] : [];
  return {
    app,
    env,
    id,
    fleet: appConfig.fleet,
    release: appConfig.release,
    port: envConfig.port,
    domain: envConfig.domain,
    branch: envConfig.branch,
    database,
    systemUser,
    releaseNode: underscored(`${app}_${env}`),
    unit: `tarmac-${id}.service`,
    root: `/opt/tarmac/${app}/${env}`,
    stateDirectory: `tarmac/${app}/${env}`,
    runtimeDirectory: `tarmac-${id}`,
    credentialsDir: `/etc/tarmac/${id}/credentials`,
    secretScope: `${app}/${env}`,
    secrets: [...new Set([...GENERATED_SECRETS, ...envConfig.secrets, ...databaseSecrets])],
    health: envConfig.health,
    env_: envConfig.env,
    nginx: resolveNginx(fleetConfig.nginx, envConfig.nginx),
    slots: resolveSlots(envConfig.port, envConfig.slots),
    config: envConfig,
    appConfig,
    fleetConfig,
  };
}

/** Every instance in the configuration, in file order. */
export function allInstances(config: TarmacConfig): Instance[] {
  return Object.entries(config.apps).flatMap(([app, appConfig]) =>
    Object.keys(appConfig.environments).map((env) => instanceOf(config, app, env)),
  );
}
