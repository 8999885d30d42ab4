import type { ConfigIssue } from '../errors';
import type { TarmacConfig } from './schema';

/** CodeDeploy's ceiling for one lifecycle event, and what ValidateService needs beyond health and bake. */
const EVENT_LIMIT = 3600;
const VALIDATE_MARGIN = 60;

/**
 * A canary's bake runs inside ValidateService, after the health check: per environment, health timeout +
 * bake + 60 s must fit CodeDeploy's 3600 s per lifecycle event. A fleet with listed hosts must have more of
 * them than the canary takes, or there is nothing to deploy after the bake. An environment in slots is
 * refused: its ValidateService switches nginx and ends before the bake, so the canary would not bake.
 */
export function canaryIssues(config: TarmacConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [app, appConfig] of Object.entries(config.apps)) {
    const strategy = appConfig.strategy;
    if (typeof strategy === 'string' || strategy.type !== 'canary') continue;
    for (const [env, environment] of Object.entries(appConfig.environments)) {
      if (environment.slots) {
        issues.push({
          path: `apps.${app}.environments.${env}.slots`,
          message: `a canary does not bake an environment in slots yet (its ValidateService switches nginx and ends before the bake) — use a batched strategy for ${app}, or drop slots from ${env}`,
        });
      }
      const total = environment.health.timeout + strategy.bake + VALIDATE_MARGIN;
      if (total <= EVENT_LIMIT) continue;
      issues.push({
        path: `apps.${app}.strategy.bake`,
        message: `bake ${strategy.bake} s + health timeout ${environment.health.timeout} s of ${env} + ${VALIDATE_MARGIN} s is ${total} s, over the ${EVENT_LIMIT} s one lifecycle event may take — shorten the bake or the health timeout`,
      });
    }
    const hosts = config.fleets[appConfig.fleet]?.hosts ?? [];
    if (hosts.length > 0 && hosts.length <= strategy.hosts) {
      issues.push({
        path: `apps.${app}.strategy.hosts`,
        message: `canary of ${strategy.hosts} host(s) on fleet ${appConfig.fleet}, which has ${hosts.length} (${hosts.join(', ')}) — nothing would follow the bake; add hosts or use a batched strategy`,
      });
    }
  }
  return issues;
}
