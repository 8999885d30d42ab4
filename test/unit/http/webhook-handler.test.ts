import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { httpApiV2Event } from '../../fixtures/events/http-api-v2';

describe('functions/handlers/webhook.ts (the Lambda composition root)', () => {
  // No dashboard token in SSM: read on the first request to the read side (the cold start makes no call).
  const ssm = mockClient(SSMClient);
  ssm
    .on(GetParameterCommand, { Name: '/tarmac/_global/dashboard_token' })
    .rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
  afterAll(() => {
    vi.unstubAllEnvs();
    ssm.restore();
  });

  it('builds the app from the stack environment and the bundled tarmac.yml, and answers /health', async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('TARMAC_BUCKET', 'test-bucket');
    vi.stubEnv('TARMAC_TABLE', 'test-table');
    vi.stubEnv('TARMAC_QUEUE_URL', 'https://sqs.eu-west-1.amazonaws.com/123456789012/tarmac.fifo');
    vi.stubEnv('TARMAC_CONFIG', new URL('../../../examples/tarmac.yml', import.meta.url).pathname);
    const { handler } = await import('../../../functions/handlers/webhook');
    const result = await handler(httpApiV2Event('GET', '/health'));
    expect(result).toMatchObject({ statusCode: 200, body: '{"status":"ok"}' });
    // On a public Function URL the dashboard is closed unless a token was configured.
    expect(await handler(httpApiV2Event('GET', '/'))).toMatchObject({ statusCode: 401 });
  });

  it('fails at cold start naming every missing variable', async () => {
    vi.resetModules();
    vi.stubEnv('TARMAC_TABLE', '');
    vi.stubEnv('TARMAC_QUEUE_URL', '');
    await expect(import('../../../functions/handlers/webhook')).rejects.toThrow(
      'missing environment variables: TARMAC_TABLE, TARMAC_QUEUE_URL',
    );
  });
});
