import { describe, expect, it } from 'vitest';
import { openAwsAdapters } from '../../../../functions/adapters/aws';

const env = {
  TARMAC_BUCKET: 'tarmac-artifacts',
  TARMAC_TABLE: 'tarmac-state',
  TARMAC_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/tarmac.fifo',
  TARMAC_DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/1/tarmac-dlq.fifo',
  AWS_REGION: 'eu-west-1',
};

describe('openAwsAdapters', () => {
  it('builds every adapter from the environment without calling AWS', () => {
    const aws = openAwsAdapters(env);
    expect(Object.keys(aws).sort()).toEqual([
      'artifacts',
      'clock',
      'deployer',
      'fleetCommands',
      'queue',
      'secrets',
      'state',
      'uploadUrls',
    ]);
  });

  it('fails naming every missing variable', () => {
    expect(() => openAwsAdapters({ ...env, TARMAC_TABLE: '', AWS_REGION: undefined })).toThrow(
      'missing environment variables: TARMAC_TABLE, AWS_REGION',
    );
  });
});
