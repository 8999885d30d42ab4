import { UnknownNameError } from '../errors';
import type { AppConfig, EnvironmentConfig, FleetConfig, TarmacConfig } from './schema';

/**
 * Name lookups in the configuration. Names come from requests (Slack text, URL paths, queue messages), so a
 * name is looked up as an own property only: `config.apps['constructor']` is `Object.prototype.constructor`,
 * a function, not an app. Every caller goes through these instead of indexing the records.
 */

const own = <T>(record: Readonly<Record<string, T>>, name: string): T | undefined =>
  Object.hasOwn(record, name) ? record[name] : undefined;

/** The app called `name`, or undefined. */
export function findApp(config: TarmacConfig, name: string): AppConfig | undefined {
  return own(config.apps, name);
}

/** The environment `env` of app `app`, or undefined (also when the app is unknown). */
export function findEnvironment(config: TarmacConfig, app: string, env: string): EnvironmentConfig | undefined {
  const appConfig = findApp(config, app);
  return appConfig ? own(appConfig.environments, env) : undefined;
}

/** The fleet called `name`, or undefined. */
export function findFleet(config: TarmacConfig, name: string): FleetConfig | undefined {
  return own(config.fleets, name);
}

/**
 * The hosts a plan deploys a fleet to: local host names, or for an EC2-tag fleet one `ec2:<tag>=<value>`
 * entry per tag (CodeDeploy resolves the instances). Empty for an unknown fleet.
 */
export function fleetHosts(config: TarmacConfig, name: string): string[] {
  const fleet = findFleet(config, name);
  if (fleet?.hosts.length) return fleet.hosts;
  return Object.entries(fleet?.ec2_tags ?? {}).map(([k, v]) => `ec2:${k}=${v}`);
}

/**
 * The fleet of an app, as `jobGroup` needs it (the queue group of every job of that app); throws
 * {@link UnknownNameError} for an unknown app, so a job for it is never queued.
 */
export function fleetOfApp(config: TarmacConfig): (app: string) => string {
  return (app) => requireApp(config, app).fleet;
}

/** The app called `name`; throws {@link UnknownNameError} listing the known apps. */
export function requireApp(config: TarmacConfig, name: string): AppConfig {
  const appConfig = findApp(config, name);
  if (!appConfig) throw new UnknownNameError('app', name, Object.keys(config.apps));
  return appConfig;
}

/** App and environment; throws {@link UnknownNameError} naming the first unknown one and the known names. */
export function requireEnvironment(
  config: TarmacConfig,
  app: string,
  env: string,
): { readonly app: AppConfig; readonly env: EnvironmentConfig } {
  const appConfig = requireApp(config, app);
  const envConfig = own(appConfig.environments, env);
  if (!envConfig) throw new UnknownNameError('environment', env, Object.keys(appConfig.environments), app);
  return { app: appConfig, env: envConfig };
}

/** The message of {@link requireEnvironment}'s error, or undefined when both names are known (for edges that reply). */
export function unknownNameMessage(
  config: TarmacConfig,
  app: string,
  envs: readonly string[] = [],
): string | undefined {
  try {
    requireApp(config, app);
    for (const env of envs) requireEnvironment(config, app, env);
    return undefined;
  } catch (error) {
    if (error instanceof UnknownNameError) return error.message;
    throw error;
  }
}
