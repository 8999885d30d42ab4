import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config';
import type { DeployerEvent } from '../../functions/ports';
import { buildFixture } from '../support/fixture';
import { bootTestHosts, type TestHosts } from '../support/hosts';
import { type DeployHarness, deployHarness, exampleConfigText, workDirIn } from '../support/local-deploy';

// The canary strategy on real hosts (issue #13 item 4): h1 is the canary of fleet web (h1, h2). A canary that
// stays healthy through its bake lets h2 follow; a canary that stops answering during its bake is rolled
// back, and h2 is never touched.
const UNIT = 'tarmac-hello-staging.service';
const canaryConfig = (bake: number) =>
  parseConfig(
    exampleConfigText().replace('strategy: one-at-a-time', `strategy: { type: canary, hosts: 1, bake: ${bake} }`),
  );
let hosts: TestHosts;
let h: DeployHarness;
let tarballs: ReturnType<typeof buildFixture>;

async function health(host: string): Promise<{ version?: string } | undefined> {
  const record = await hosts.manager.get(host);
  try {
    const response = await fetch(`http://${record.address}:4001/health`, { signal: AbortSignal.timeout(2_000) });
    return (await response.json()) as { version?: string };
  } catch {
    return undefined;
  }
}

async function on(host: string, argv: string[]): Promise<string> {
  const result = await hosts.manager.exec(host, argv, { timeoutMs: 15_000 });
  return result.stdout.trim();
}

/** What shows whether a deployment touched a host: its unit's main PID and start time, and `current`. */
const fingerprint = async (host: string) => ({
  unit: await on(host, ['systemctl', 'show', '-p', 'MainPID', '-p', 'ActiveEnterTimestampMonotonic', UNIT]),
  current: await on(host, ['readlink', '/opt/tarmac/hello/staging/current']),
});

const hostEvents = (events: DeployerEvent[], host: string) =>
  events.filter((e) => e.type === 'host.event' && e.host === host);

beforeAll(async () => {
  tarballs = buildFixture();
  hosts = await bootTestHosts(2);
  h = await deployHarness(hosts.manager, workDirIn(hosts.dataDir));
  for (const name of ['erlang_cookie', 'secret_key_base', 'database_password']) {
    await h.secrets.set('hello/staging', name, randomBytes(32).toString('hex'));
  }
  const first = await h.deploy('staging', await h.pushRelease(tarballs['1.0.0'], '1.0.0'));
  expect(first.at(-1), JSON.stringify(first.at(-1))).toMatchObject({ status: 'succeeded' });
}, 900_000); // includes waiting for the machine-wide host lock while other files hold it

afterAll(async () => {
  await hosts?.teardown();
});

describe('canary strategy on real hosts', () => {
  it('deploys the canary, bakes it while checking its health, then the other host', async () => {
    const release = await h.pushRelease(tarballs['2.0.0'], '2.0.0');
    const events = await h.deploy('staging', release, { config: canaryConfig(4), autoRollback: true });
    expect(events.at(-1), JSON.stringify(events.at(-1))).toMatchObject({ status: 'succeeded' });
    // h2 starts only after h1's ValidateService (the bake included) succeeded.
    const h1Validated = events.findIndex(
      (e) => e.type === 'host.event' && e.host === 'h1' && e.event === 'ValidateService' && e.status === 'succeeded',
    );
    const h2First = events.findIndex((e) => e.type === 'host.event' && e.host === 'h2');
    expect(h1Validated).toBeGreaterThan(-1);
    expect(h2First).toBeGreaterThan(h1Validated);
    expect((await health('h1'))?.version).toBe('2.0.0');
    expect((await health('h2'))?.version).toBe('2.0.0');
    // Only the canary baked: h2's ValidateService ran through the environment's own group.
    const validated = (host: string) =>
      events.find(
        (e) => e.type === 'host.event' && e.host === host && e.event === 'ValidateService' && e.status === 'succeeded',
      );
    const tail = (host: string) => (validated(host) as { tail?: string } | undefined)?.tail ?? '';
    expect(tail('h1')).toMatch(/canary: baking for 4s[\s\S]*canary: healthy through the bake \(\d+ checks\)/);
    expect(tail('h2')).toMatch(/release 2\.0\.0-\w+ is live/);
    expect(tail('h2')).not.toMatch(/canary/);
  }, 300_000);

  it('rolls the canary back when it stops answering during its bake, and never touches the other host', async () => {
    const before = await fingerprint('h2');
    const release = await h.pushRelease(tarballs['1.0.0'], '1.0.0');
    const deployment = h.deploy('staging', release, { config: canaryConfig(30), autoRollback: true });
    // Once h1 answers with the new release and ValidateService has seen it healthy, it is baking: freeze its
    // VM (a hung node).
    let frozen = false;
    for (let i = 0; i < 600 && !frozen; i++) {
      if ((await health('h1'))?.version === '1.0.0') {
        // The new release answers as soon as ApplicationStart restarted it; give ValidateService time for its
        // own first health check (it polls every second), so the freeze lands in the 30 s bake.
        await new Promise((resolve) => setTimeout(resolve, 4_000));
        await on('h1', ['systemctl', 'kill', '--signal=SIGSTOP', UNIT]);
        frozen = true;
      } else await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(frozen).toBe(true);
    const events = await deployment;
    const finished = events.at(-1);
    expect(finished, JSON.stringify(finished)).toMatchObject({ type: 'deployment.finished', status: 'rolled_back' });
    expect(finished?.type === 'deployment.finished' && finished.error).toMatch(
      /ValidateService failed on h1[\s\S]*canary: http:\/\/127\.0\.0\.1:4001\/health answered 000 during the bake/,
    );
    expect(hostEvents(events, 'h2')).toEqual([]);
    expect(await fingerprint('h2')).toEqual(before);
    expect((await health('h2'))?.version).toBe('2.0.0');
    expect((await health('h1'))?.version).toBe('2.0.0');
  }, 300_000);
});
