import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostPlatform } from '../../../functions/core/compat';
import { deploymentHistory } from '../../../functions/state/deployments';
import { fleetHolder } from '../../../functions/state/fleets';
import { keys } from '../../../functions/state/keys';
import { listReleases } from '../../../functions/state/releases';
import { createWorker } from '../../../functions/worker/worker';
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

// At `release push` a release the fleet cannot run is accepted with a warning: the deploy is what refuses.
describe('release push of a release the fleet cannot run', () => {
  const needs = (architectures: string[], glibc: string) => ({
    architectures,
    libc: 'glibc' as const,
    glibc,
    ertsIncluded: true,
    erts: '13.1.5',
    binaries: 14,
  });
  /** The worker with a checker that reads `needs` (the real one reads them from the ELF files). */
  function pushing(
    configText: string | undefined,
    releaseNeeds: ReturnType<typeof needs>,
    reported?: Record<string, HostPlatform>,
  ) {
    h = workerHarness(configText);
    return createWorker({
      ...h.deps,
      checkRelease: async (body) => {
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(Buffer.from(chunk));
        const bytes = Buffer.concat(chunks);
        return {
          ok: true,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          size: bytes.length,
          needs: releaseNeeds,
        };
      },
      ...(reported ? { hostPlatforms: async () => reported } : {}),
    });
  }

  it('accepts it and warns, naming what it needs and what the declared platform offers', async () => {
    const worker = pushing(declared, needs(['x86_64'], '2.34'));
    const result = await worker.handle(await h.upload('1.0.0', 'tarball v1'));
    expect(result.outcome).toBe('done');
    const [verdict, warning] = result.message.split('\n');
    expect(verdict).toMatch(/^hello 1\.0\.0 accepted \(/);
    expect(warning).toBe(
      'warning: hello 1.0.0 cannot run on fleet web — it needs x86_64, glibc ≥ 2.34, ERTS 13.1.5 included; h1 (declared) has x86_64, glibc 2.31, no Erlang/OTP: glibc ≥ 2.34, the host has 2.31; h2 (declared) has x86_64, glibc 2.31, no Erlang/OTP: glibc ≥ 2.34, the host has 2.31 — a deploy there will be refused',
    );
    const [release] = await listReleases(h.deps.state, 'hello');
    expect(release).toMatchObject({ status: 'accepted', warnings: [warning] });
  });

  it('names only the reported hosts that cannot run it', async () => {
    const host = (arch: string): HostPlatform => ({ arch, libc: 'glibc', glibc: '2.36', source: 'reported' });
    const worker = pushing(undefined, needs(['x86_64'], '2.28'), { h1: host('x86_64'), h2: host('aarch64') });
    const result = await worker.handle(await h.upload('1.0.0', 'tarball v1'));
    expect(result.message.split('\n')[1]).toBe(
      'warning: hello 1.0.0 cannot run on fleet web — it needs x86_64, glibc ≥ 2.28, ERTS 13.1.5 included; h2 (reported) has aarch64, glibc 2.36, no Erlang/OTP: architecture x86_64 ≠ aarch64 — a deploy there will be refused',
    );
  });

  it('says nothing when the hosts can run it, or nothing is known about them', async () => {
    for (const config of [declared, undefined]) {
      const worker = pushing(config, needs(['x86_64'], '2.28'));
      const result = await worker.handle(await h.upload('1.0.0', 'tarball v1'));
      expect(result.message).toMatch(/^hello 1\.0\.0 accepted \([0-9a-f]{12}, 10 bytes\)$/);
      expect((await listReleases(h.deps.state, 'hello'))[0]?.warnings).toBeUndefined();
      h.close();
    }
    h = workerHarness(); // for afterEach
  });
});
