import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const FIXTURE_VERSIONS = ['1.0.0', '2.0.0', '3.0.0'] as const;

/**
 * Build the hello release fixture (idempotent: a no-op when the sources did not change) and return the
 * tarball of each version. 3.0.0 is the broken one: it boots but its health check answers 500.
 */
export function buildFixture(): Record<(typeof FIXTURE_VERSIONS)[number], string> {
  execFileSync('bash', [join(REPO_ROOT, 'scripts/build-fixture.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  return Object.fromEntries(
    FIXTURE_VERSIONS.map((v) => [v, join(REPO_ROOT, '.cache/fixtures', `hello-${v}.tar.gz`)]),
  ) as Record<(typeof FIXTURE_VERSIONS)[number], string>;
}
