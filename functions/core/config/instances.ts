import { findFleet, requireEnvironment } from './lookup';
import type { AppConfig, EnvironmentConfig, FleetConfig, TarmacConfig } from './schema';

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
  readonly database: string;
  /** `tarmac_<app>_<env>`, dashes turned into underscores. */
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
  readonly config: EnvironmentConfig;
  readonly appConfig: AppConfig;
  readonly fleetConfig: FleetConfig;
}

/** Secrets every instance has; tarmac generates them when missing. */
export const GENERATED_SECRETS = ['erlang_cookie', 'secret_key_base'] as const;

const underscored = (value: string) => value.replaceAll('-', '_');

/** The instance `<app>-<env>`; throws `UnknownNameError` (with the known names) for a name not in the file. */
export function instanceOf(config: TarmacConfig, app: string, env: string): Instance {
  const { app: appConfig, env: envConfig } = requireEnvironment(config, app, env);
  const fleetConfig = findFleet(config, appConfig.fleet) ?? { hosts: [] };
  const id = `${app}-${env}`;
  return {
    app,
    env,
    id,
    fleet: appConfig.fleet,
    release: appConfig.release,
    port: envConfig.port,
    domain: envConfig.domain,
    branch: envConfig.branch,
    database: envConfig.database ?? underscored(`${app}_${env}`),
    systemUser: `tarmac_${underscored(app)}_${underscored(env)}`,
    releaseNode: underscored(`${app}_${env}`),
    unit: `tarmac-${id}.service`,
    root: `/opt/tarmac/${app}/${env}`,
    stateDirectory: `tarmac/${app}/${env}`,
    runtimeDirectory: `tarmac-${id}`,
    credentialsDir: `/etc/tarmac/${id}/credentials`,
    secretScope: `${app}/${env}`,
    secrets: [...new Set([...GENERATED_SECRETS, ...envConfig.secrets])],
    health: envConfig.health,
    env_: envConfig.env,
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
