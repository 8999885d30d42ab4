import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openLocalAdapters } from '../../../functions/adapters/local';
import { main } from '../../../functions/cli/main';
import { memoryOutput } from '../../../functions/cli/output';
import { parseConfig } from '../../../functions/core/config';
import { openLocalRuntime } from '../../../functions/local/runtime';
import { type RunningServer, startServer } from '../../../functions/local/server';
import { silentLogger } from '../../../functions/log';
import { setCurrent } from '../../../functions/state/deployments';
import type { ReleaseView } from '../../../functions/state/release-views';
import { buildFixture, REPO_ROOT } from '../../support/fixture';
import { releaseWith } from '../../support/hostile-tarballs';
import { EXAMPLE_CONFIG, SECRETS } from '../../support/http-harness';

// `tarmac release push --wait` and `tarmac releases` against a running server with its worker (real ingest of
// the fixture release and of a hostile tarball), then the same list read locally from the data dir.
const dir = mkdtempSync(join(tmpdir(), 'tarmac-releases-'));
const data = join(dir, 'data');
const config = join(REPO_ROOT, 'examples/tarmac.yml');
const hostile = join(dir, 'hostile.tar.gz');
let server: RunningServer;
let fixture: string;
// The server's fleet declares hosts the fixture (built here, x86_64) cannot run on: push warns, deploy refuses.
const SERVER_CONFIG = EXAMPLE_CONFIG.replace(
  /fleets:\n {2}web:\n/,
  'fleets:\n  web:\n    platform: { arch: aarch64 }\n',
);

beforeAll(async () => {
  fixture = buildFixture()['1.0.0'];
  writeFileSync(hostile, releaseWith({ path: 'lib/../../etc/evil', body: 'x' }));
  const adapters = openLocalAdapters(data);
  for (const [name, value] of Object.entries(SECRETS)) await adapters.secrets.set('_global', name, value);
  adapters.close();
  vi.stubEnv('TARMAC_BUILD_SECRET', SECRETS.build_webhook_secret);
  server = await startServer({
    config: parseConfig(SERVER_CONFIG),
    dataDir: data,
    port: 0,
    logger: silentLogger(),
    onStarted: async ({ adapters, logger }) => {
      const runtime = await openLocalRuntime({ dataDir: data, config: parseConfig(SERVER_CONFIG), logger, adapters });
      return () => runtime.close();
    },
  });
}, 300_000);
afterAll(async () => {
  vi.unstubAllEnvs();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const tarmac = async (...args: string[]) => {
  const out = memoryOutput();
  const code = await main(['node', 'tarmac', '--config', config, ...args], out);
  return { code, stdout: out.out.join(''), stderr: out.err.join('') };
};

describe('release push --wait, and releases', () => {
  it('waits for the verdict on an accepted release and exits 0, warning about the fleet it cannot run on', async () => {
    const push = ['release', 'push', fixture, '--app', 'hello', '--version', '1.0.0', '--sha', 'a1b2c3d4e5f6'];
    const { code, stdout, stderr } = await tarmac('--server', server.url, ...push, '--branch', 'main', '--wait');
    expect(stderr).toBe('');
    expect(stdout).toMatch(/hello 1\.0\.0 accepted \([0-9a-f]{12}, \d+ bytes\)\n/);
    expect(stdout).toMatch(
      /\nwarning: hello 1\.0\.0 cannot run on fleet web — it needs x86_64, glibc ≥ [\d.]+, ERTS [\d.]+ included; h1 \(declared\) has aarch64, no glibc found, no Erlang\/OTP: architecture x86_64 ≠ aarch64; h2 \(declared\) .* — a deploy there will be refused\n$/,
    );
    expect(code).toBe(0);
  }, 60_000);

  it('exits 1 on a rejected release, printing the reason and the offending entry', async () => {
    const push = ['release', 'push', hostile, '--app', 'hello', '--version', '6.6.6', '--wait'];
    const { code, stderr } = await tarmac('--server', server.url, ...push);
    expect(stderr).toBe("hello 6.6.6 rejected: lib/../../etc/evil: '..' segment\n");
    expect(code).toBe(1);
  }, 60_000);

  it('lists accepted and rejected releases through the read API, with where each serves', async () => {
    const adapters = server.adapters;
    const listed = (await (await fetch(`${server.url}/api/apps/hello/releases`)).json()) as { releases: ReleaseView[] };
    const accepted = listed.releases.find((r) => r.status === 'accepted') as ReleaseView;
    await setCurrent(adapters.state, 'hello', 'staging', {
      releaseId: accepted.id,
      version: accepted.version,
      sha256: accepted.sha256,
      deploymentId: 'd-test',
      at: new Date().toISOString(),
      by: 'test',
      trigger: 'cli',
    });
    const { code, stdout } = await tarmac('--server', server.url, 'releases', 'hello');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('hello: 1 accepted, 1 rejected');
    expect(stdout).toMatch(
      /\n {2}1\.0\.0 +[0-9a-f]{12} +\d+\.\d MB {2}git a1b2c3d, on main, by \S+ \d+ s ago — serving staging\n {4}needs \S+, glibc ≥ [\d.]+, ERTS [\d.]+ included\n/,
    );
    expect(stdout).toMatch(/\n {4}needs .*\n {4}warning: hello 1\.0\.0 cannot run on fleet web — .* refused\n/);
    expect(stdout).toMatch(
      /\n {2}6\.6\.6 +REJECTED by \S+ \d+ s ago\n {4}lib\/\.\.\/\.\.\/etc\/evil: '\.\.' segment\n/,
    );
  });

  it('reads the same list locally from the data dir, as JSON', async () => {
    const { code, stdout } = await tarmac('--data', data, '--json', 'releases', 'hello');
    expect(code).toBe(0);
    const releases = JSON.parse(stdout) as ReleaseView[];
    expect(releases.map((r) => [r.version, r.status, r.deployedTo])).toEqual(
      expect.arrayContaining([
        ['1.0.0', 'accepted', ['staging']],
        ['6.6.6', 'rejected', []],
      ]),
    );
    expect(releases.find((r) => r.status === 'rejected')?.rejectedEntry).toBe('lib/../../etc/evil');
    expect(releases.find((r) => r.status === 'accepted')?.needs?.ertsIncluded).toBe(true);
  });

  it('fails naming the app the server does not know', async () => {
    const { code, stderr } = await tarmac('--server', server.url, 'releases', 'nope');
    expect(stderr).toContain('unknown app "nope" — known: hello');
    expect(code).toBe(1);
  });
});
