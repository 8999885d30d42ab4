import type { OperatorHosts } from '../../ports';
import { lazyPort } from './lazy-port';

/**
 * {@link SsmOperatorHosts} built on the first `logs` or `eval` request, with its SSM and EC2 clients: the
 * webhook Lambda's cold start (and every webhook) loads neither.
 */
export function lazySsmOperatorHosts(region: string): OperatorHosts {
  return lazyPort<OperatorHosts>(async () => {
    const [{ SSMClient }, { EC2Client }, { SsmOperatorHosts }] = await Promise.all([
      import('@aws-sdk/client-ssm'),
      import('@aws-sdk/client-ec2'),
      import('./ssm-operator-hosts'),
    ]);
    return new SsmOperatorHosts(new SSMClient({ region }), new EC2Client({ region }));
  });
}
