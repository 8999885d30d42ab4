import { canaryOf } from '../core/canary';
import type { Instance } from '../core/config/instances';
import type { LifecycleEvent } from '../core/deployments';

/** CodeDeploy's ceiling per lifecycle event, in seconds. */
const MAX_TIMEOUT = 3600;
/** Time ValidateService needs beyond the health timeout: journal dump, switch back, restart. */
const VALIDATE_MARGIN = 60;

/** The hook script of each event, relative to the bundle root. */
export const HOOK_SCRIPTS: Readonly<Record<LifecycleEvent, string>> = {
  ApplicationStop: 'hooks/application-stop.sh',
  BeforeInstall: 'hooks/before-install.sh',
  AfterInstall: 'hooks/after-install.sh',
  ApplicationStart: 'hooks/application-start.sh',
  ValidateService: 'hooks/validate-service.sh',
};

/**
 * Seconds each event may take; ApplicationStart covers migrations (and waiting for another host's),
 * ValidateService the health timeout and a canary's bake (config check keeps the sum within CodeDeploy's 3600).
 */
export function hookTimeouts(instance: Instance): Readonly<Record<LifecycleEvent, number>> {
  return {
    ApplicationStop: 300,
    BeforeInstall: 300,
    AfterInstall: 900,
    ApplicationStart: 1800,
    ValidateService: Math.min(
      MAX_TIMEOUT,
      instance.health.timeout + (canaryOf(instance.appConfig.strategy)?.bake ?? 0) + VALIDATE_MARGIN,
    ),
  };
}

/**
 * `appspec.yml` for EC2/on-premises. No `files:` section: AfterInstall unpacks the release itself, after
 * validating it, instead of letting the agent copy files.
 */
export function renderAppspec(instance: Instance): string {
  const timeouts = hookTimeouts(instance);
  const hooks = (Object.keys(HOOK_SCRIPTS) as LifecycleEvent[]).map(
    (event) =>
      `  ${event}:\n    - location: ${HOOK_SCRIPTS[event]}\n      timeout: ${timeouts[event]}\n      runas: root\n`,
  );
  return `# Rendered by tarmac for ${instance.app}/${instance.env}. CodeDeploy and tarmac's local deployer run these hooks.
version: 0.0
os: linux
hooks:
${hooks.join('')}`;
}
