import { readFileSync } from 'node:fs';
import type { RenderInput } from '../../../functions/bundle/render';
import { instanceOf, parseConfig } from '../../../functions/core/config';
import { planDeployment } from '../../../functions/core/plans';

export const SHA = 'ab'.repeat(32);
const example = readFileSync(new URL('../../../examples/tarmac.yml', import.meta.url), 'utf8');

/** A render input for hello/staging from the shipped example, with overrides for the test at hand. */
export function renderInput(overrides: Partial<RenderInput> = {}, configText = example): RenderInput {
  const instance = instanceOf(parseConfig(configText), 'hello', 'staging');
  const plan = planDeployment({
    instance,
    hosts: ['h1', 'h2'],
    release: { id: `1.4.2-${SHA.slice(0, 12)}`, version: '1.4.2', sha256: SHA, artifactKey: `sha256/${SHA}` },
    previousReleaseId: '1.4.1-0123456789ab',
    deploymentId: 'dep-01HZX',
    correlationId: 'corr-7f3a',
  });
  return {
    instance,
    plan,
    releaseUrl: `s3://tarmac-artifacts/sha256/${SHA}`,
    secretsSource: { kind: 'ssm', path: '/tarmac/hello/staging/', region: 'eu-west-1' },
    migrationLock: { kind: 'dynamodb', table: 'tarmac-state', region: 'eu-west-1' },
    ...overrides,
  };
}
