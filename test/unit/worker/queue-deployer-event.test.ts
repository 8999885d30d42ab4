import { describe, expect, it } from 'vitest';
import { deployerEventKey } from '../../../functions/worker/queue-deployer-event';

describe('deployerEventKey', () => {
  const at = '2030-01-01T00:00:00.000Z';
  const hostEvent = (host: string) =>
    ({
      type: 'host.event',
      deploymentId: '01J9Z6S8Q4V5XG0W7M2N3P4R5T',
      host,
      event: 'ApplicationStart',
      status: 'succeeded',
      at,
    }) as const;

  it('names the deployment, the type and the host step', () => {
    expect(deployerEventKey('evt', hostEvent('h1'))).toBe(
      'evt-01J9Z6S8Q4V5XG0W7M2N3P4R5T-host.event-h1-ApplicationStart-succeeded',
    );
  });

  it('hashes keys over 128 characters instead of cutting them, so two long keys never merge', () => {
    const prefix = `cd-${'e'.repeat(36)}`;
    const a = deployerEventKey(prefix, hostEvent('i-0123456789abcdef0-aaaaaaaaaaaaaaaaaaaaaaa'));
    const b = deployerEventKey(prefix, hostEvent('i-0123456789abcdef0-bbbbbbbbbbbbbbbbbbbbbbb'));
    expect(a.length).toBeLessThanOrEqual(128);
    expect(a).not.toBe(b);
  });
});
