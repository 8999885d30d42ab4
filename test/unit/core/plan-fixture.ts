import { instanceOf, parseConfig } from '../../../functions/core/config';
import { planDeployment } from '../../../functions/core/plans';
import { example } from './config-errors';

const SHA = 'cd'.repeat(32);

/** examples/tarmac.yml with hello's strategy and the web fleet's hosts replaced. */
export const withStrategy = (strategy: string, hosts = '[h1, h2]') =>
  example.replace('strategy: one-at-a-time', `strategy: ${strategy}`).replace('hosts: [h1, h2]', `hosts: ${hosts}`);

/** The plan of a hello/staging deployment of 2.0.0 with `strategy` on `hosts` (named hosts become the fleet's). */
export function planOf(strategy: string, hosts: string[], unreachable: string[] = []) {
  const config = parseConfig(withStrategy(strategy, `[${hosts.filter((h) => !h.startsWith('ec2:')).join(', ')}]`));
  return planDeployment({
    instance: instanceOf(config, 'hello', 'staging'),
    hosts,
    release: { id: `2.0.0-${SHA.slice(0, 12)}`, version: '2.0.0', sha256: SHA, artifactKey: `sha256/${SHA}` },
    deploymentId: 'dep-1',
    correlationId: 'corr-1',
    unreachable,
  });
}
