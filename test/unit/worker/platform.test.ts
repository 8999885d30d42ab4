import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { deploymentHistory } from '../../../functions/state/deployments';
import { fleetHolder } from '../../../functions/state/fleets';
import { keys } from '../../../functions/state/keys';
import { listReleases } from '../../../functions/state/releases';
import { workerHarness } from '../../support/worker-harness';

// AWS fleets cannot be asked what they run on: `fleets.<name>.platform` declares it, and the worker refuses a
// deploy of a release those hosts cannot run before the deployer is called (nothing stopped anywhere).
const example = readFileSync(new URL('../../../examples/tarmac.yml', import.meta.url), 'utf8');
const declared = example.replace(
  /fleets:\n {2}web:\n/,
  'fleets:\n  web:\n    platform: { arch: x86_64, glibc: "2.31" }\n',
);
let h: ReturnType<typeof workerHarness>;
afterEach(() => h.close());

async function releaseNeeding(glibc: string, architectures: string[]) {
  await h.worker.handle(await h.upload('1.0.0', 'tarball v1'));
  const [release] = await listReleases(h.deps.state, 'hello');
  if (!release) throw new Error('no release');
  const needs = { architectures, libc: 'glibc' as const, glibc, ertsIncluded: true, erts: '13.1.5', binaries: 14 };
  await h.deps.state.put(keys.release('hello', release.sha256), { ...release, needs });
}

describe('a fleet that declares its platform', () => {
  it('refuses a release needing a newer glibc than the fleet has, before the deployer is called', async () => {
    h = workerHarness(declared);
    await releaseNeeding('2.34', ['x86_64']);
    const result = await h.worker.handle(h.job('deploy', { env: 'staging', trigger: 'cli', requestedBy: 'alice' }));
    expect(result.outcome).toBe('done');
    const [deployment] = await deploymentHistory(h.deps.state, 'hello', 'staging');
    expect(deployment?.status).toBe('failed');
    expect(deployment?.error).toContain(
      'release hello 1.0.0 cannot run on h1, h2 — it needs x86_64, glibc ≥ 2.34, ERTS 13.1.5 included; h1 (declared) has x86_64, glibc 2.31, no Erlang/OTP: glibc ≥ 2.34, the host has 2.31',
    );
    expect(h.deployer.requests).toHaveLength(0);
    expect(await fleetHolder(h.deps.state, 'web')).toBeUndefined();
  });

  it('deploys a release the declared platform can run', async () => {
    h = workerHarness(declared);
    await releaseNeeding('2.28', ['x86_64']);
    await h.worker.handle(h.job('deploy', { env: 'staging', trigger: 'cli', requestedBy: 'alice' }));
    expect(h.deployer.requests).toHaveLength(1);
    expect(h.deployer.requests[0]?.plan.release.needs?.glibc).toBe('2.28');
  });

  it('without a declaration (and no host to ask) nothing is refused up front: BeforeInstall checks on the host', async () => {
    h = workerHarness();
    await releaseNeeding('2.34', ['aarch64']);
    await h.worker.handle(h.job('deploy', { env: 'staging', trigger: 'cli', requestedBy: 'alice' }));
    expect(h.deployer.requests).toHaveLength(1);
  });
});
