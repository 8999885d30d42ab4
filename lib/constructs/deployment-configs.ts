import { type IServerDeploymentConfig, MinimumHealthyHosts, ServerDeploymentConfig } from 'aws-cdk-lib/aws-codedeploy';
import { Construct } from 'constructs';
import type { BatchedStrategyConfig } from '../../functions/core/config';
import { ValidationError } from '../errors';

const PREDEFINED: Record<'one-at-a-time' | 'half' | 'all', IServerDeploymentConfig> = {
  'one-at-a-time': ServerDeploymentConfig.ONE_AT_A_TIME,
  half: ServerDeploymentConfig.HALF_AT_A_TIME,
  all: ServerDeploymentConfig.ALL_AT_ONCE,
};

/**
 * The name of the custom deployment config for a `min_healthy_hosts` value: `tarmac-min-healthy-2` for a
 * count, `tarmac-min-healthy-50-percent` for `"50%"`.
 */
export function minHealthyConfigName(minHealthy: number | string): string {
  return typeof minHealthy === 'number'
    ? `tarmac-min-healthy-${minHealthy}`
    : `tarmac-min-healthy-${minHealthy.replace('%', '')}-percent`;
}

/**
 * CodeDeploy deployment configs for tarmac strategies. `one-at-a-time`, `half` and `all` map to the
 * predefined CodeDeployDefault configs; a strategy with `min_healthy_hosts` gets a custom config, created
 * once per distinct value and shared by every group that uses it.
 */
export class DeploymentConfigs extends Construct {
  private readonly custom = new Map<string, IServerDeploymentConfig>();
  private readonly used = new Set<IServerDeploymentConfig>();

  /** The config for a strategy from tarmac.yml (recorded as used, for IAM scoping). */
  forStrategy(strategy: BatchedStrategyConfig): IServerDeploymentConfig {
    const config =
      typeof strategy === 'string'
        ? PREDEFINED[strategy]
        : strategy.min_healthy_hosts === undefined
          ? PREDEFINED[strategy.type]
          : this.minHealthy(strategy.min_healthy_hosts);
    this.used.add(config);
    return config;
  }

  /** Every config handed out so far, predefined ones included, without duplicates. */
  get all(): IServerDeploymentConfig[] {
    return [...this.used];
  }

  private minHealthy(value: number | string): IServerDeploymentConfig {
    const name = minHealthyConfigName(value);
    const existing = this.custom.get(name);
    if (existing) return existing;
    const percent = typeof value === 'string' ? Number(value.replace('%', '')) : undefined;
    if (percent !== undefined && percent > 100) {
      throw new ValidationError(`min_healthy_hosts "${value}" is over 100% — use a percentage from 0% to 100%`, this);
    }
    const minimumHealthyHosts =
      percent === undefined ? MinimumHealthyHosts.count(value as number) : MinimumHealthyHosts.percentage(percent);
    const config = new ServerDeploymentConfig(this, name, { deploymentConfigName: name, minimumHealthyHosts });
    this.custom.set(name, config);
    return config;
  }
}
