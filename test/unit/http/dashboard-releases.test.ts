import { afterEach, describe, expect, it, vi } from 'vitest';
import { transition } from '../../../functions/core/deployments';
import type { Release } from '../../../functions/core/releases';
import { createDeployment, updateDeployment } from '../../../functions/state/deployments';
import { keys } from '../../../functions/state/keys';
import { recordRelease } from '../../../functions/state/releases';
import { stateReadApi } from '../../../functions/state/state-read-api';
import { seedDeployment } from '../../support/dashboard-seed';
import { type HttpHarness, httpHarness } from '../../support/http-harness';

// The read API and the dashboard show an app's releases (accepted with where they serve and what they need,
// rejected with why) and, per environment, how long a deployment usually takes and how far a running one is.
let harness: HttpHarness | undefined;
afterEach(() => {
  harness?.close();
  harness = undefined;
  vi.unstubAllEnvs();
});

async function seeded(): Promise<HttpHarness> {
  vi.stubEnv('TARMAC_DASHBOARD_TOKEN', '');
  harness = await httpHarness({ override: (deps) => ({ readApi: stateReadApi(deps.state) }) });
  const { state } = harness.adapters;
  const { clock } = harness;
  // Two successful staging deployments: 20 s (2 hosts × 5 hooks × 2 s) and 10 s (one host).
  const first = await seedDeployment(state, clock, { env: 'staging', version: '1.4.0' });
  await seedDeployment(state, clock, { env: 'staging', version: '1.4.1', hosts: ['h1'] });
  const base = {
    app: 'hello',
    uploadedBy: 'ci',
    createdAt: clock.now().toISOString(),
    artifactKey: `sha256/${first.sha256}`,
  };
  const accepted: Release = {
    ...base,
    version: '1.4.0',
    sha256: first.sha256,
    size: 5_400_000,
    id: first.releaseId,
    gitSha: 'abcdef1234567',
    branch: 'main',
    status: 'accepted',
    needs: {
      architectures: ['x86_64'],
      libc: 'glibc',
      glibc: '2.34',
      ertsIncluded: true,
      erts: '13.1.5',
      binaries: 14,
    },
  };
  await recordRelease(state, accepted);
  const rejected: Release = {
    ...base,
    version: '6.6.6',
    sha256: '',
    size: 0,
    id: 'rejected-x',
    artifactKey: 'uploads/hello/6.6.6/x',
    status: 'rejected',
    rejection: "lib/../../etc/evil: '..' segment",
    rejectedEntry: 'lib/../../etc/evil',
  };
  await state.put(keys.release('hello', 'rejected-x'), rejected);
  // 1.5.0 has been running for 5 s.
  await createDeployment(state, {
    ...first,
    id: 'dep-running',
    version: '1.5.0',
    status: 'pending',
    hosts: [],
    createdAt: clock.now().toISOString(),
  });
  await updateDeployment(state, 'dep-running', (d) => transition(d, 'in_progress', clock.now()));
  clock.advance(5000);
  return harness;
}

describe('releases and duration estimates in the read API and the dashboard', () => {
  it('GET /api/apps/hello/releases lists both, with where the accepted one serves', async () => {
    const { app } = await seeded();
    const res = await app.request('/api/apps/hello/releases');
    expect(res.status).toBe(200);
    const { releases } = (await res.json()) as { releases: (Release & { deployedTo: string[] })[] };
    // 1.4.0 was replaced on staging by 1.4.1 (whose release was never recorded): it serves nowhere now.
    expect(releases.map((r) => [r.version, r.status, r.deployedTo])).toEqual([
      ['1.4.0', 'accepted', []],
      ['6.6.6', 'rejected', []],
    ]);
    expect(releases[1]?.rejectedEntry).toBe('lib/../../etc/evil');
    expect((await app.request('/api/apps/nope/releases')).status).toBe(404);
  });

  it('GET /api/…/environments/staging carries the p90 estimate', async () => {
    const { app } = await seeded();
    const summary = (await (await app.request('/api/apps/hello/environments/staging')).json()) as {
      estimate?: unknown;
    };
    expect(summary.estimate).toEqual({ p90Ms: 20_000, samples: 2 });
  });

  it('the dashboard shows the releases, the usual duration and how far the running deployment is', async () => {
    const { app } = await seeded();
    const html = await (await app.request('/')).text();
    const releases = html.slice(html.indexOf('aria-label="releases"'));
    expect(releases).toContain('<b>1.4.0</b>');
    expect(releases).toContain('needs x86_64, glibc ≥ 2.34, ERTS 13.1.5 included');
    expect(releases).toContain('rejected');
    expect(releases).toContain('lib/../../etc/evil: &#39;..&#39; segment');
    const staging = html.slice(html.indexOf('id="hello-staging"'));
    expect(staging).toContain('Usually takes 20 s (p90 of the last 2)');
    expect(staging).toMatch(/<progress max="100" value="25"[^>]*>/);
    expect(staging).toContain('1.5.0: 5 s of ~20 s (25%)');
    const page = await (await app.request('/deployments/dep-running')).text();
    expect(page).toContain('1.5.0: 5 s of ~20 s (25%)');
  });
});
