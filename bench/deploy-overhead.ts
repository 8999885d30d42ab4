/**
 * How much a tarmac deploy costs over the simplest thing that could work, on one real local host and the real
 * hello release: tarmac (render → bundle → every hook → healthy) against a hand-written
 * `tar; ln -sfn; systemctl restart; curl` on the same host, measured alternately in the same run. Both unpack
 * every round (the release tarmac deploys is removed from the host before, untimed).
 * Run: `TARMAC_HOST_SET=<S> npx tsx bench/deploy-overhead.ts [rounds]` (root, systemd-nspawn). Goal: ratio ≤ 1.2;
 * it also prints the median time of each hook, to show where tarmac's time goes.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { releaseFile } from '../functions/adapters/local/local-deployer/paths';
import { buildFixture } from '../test/support/fixture';
import { bootTestHosts } from '../test/support/hosts';
import { deployHarness, workDirIn } from '../test/support/local-deploy';

const rounds = Number(process.argv[2] ?? 3);
const ROOT = '/opt/tarmac/hello/staging';

/** Per lifecycle event: ms from its in_progress to its end, as the deployer reported them. */
const perEvent = new Map<string, number[]>();
const hosts = await bootTestHosts(1);
try {
  const tarballs = buildFixture();
  const h = await deployHarness(hosts.manager, workDirIn(hosts.dataDir));
  for (const name of ['erlang_cookie', 'secret_key_base', 'database_password']) {
    await h.secrets.set('hello/staging', name, randomBytes(48).toString('base64url'));
  }
  const releases = [await h.pushRelease(tarballs['1.0.0'], '1.0.0'), await h.pushRelease(tarballs['2.0.0'], '2.0.0')];
  // Warm-up: the first deploy creates the user, directories, unit and copies both tarballs to the shared dir.
  for (const release of releases) await tarmacDeploy(release);

  perEvent.clear(); // the warm-up's hooks create users and directories: not what a deploy costs
  const tarmac: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const release = releases[i % 2] as (typeof releases)[number];
    await forgetUnpacked(release.id);
    tarmac.push(await time(() => tarmacDeploy(release)));
    baseline.push(await time(() => handDeploy(release.sha256, `bench-${i}`)));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  console.log(
    `${rounds} rounds, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(`tarmac deploy (1 host):   ${tarmac.map(ms).join(', ')}  median ${ms(median(tarmac))}`);
  console.log(`hand-written (1 host):    ${baseline.map(ms).join(', ')}  median ${ms(median(baseline))}`);
  console.log(`ratio tarmac / hand-written: ${(median(tarmac) / median(baseline)).toFixed(2)} (goal ≤ 1.2)`);
  const events = [...perEvent].map(([event, xs]) => `${event} ${ms(median(xs))}`).join(', ');
  console.log(`where tarmac's time goes (median per hook, as reported): ${events}`);

  async function tarmacDeploy(release: (typeof releases)[number]): Promise<void> {
    const events = await h.deploy('staging', release, { hosts: ['h1'] });
    const started = new Map<string, number>();
    for (const e of events) {
      if (e.type !== 'host.event') continue;
      if (e.status === 'in_progress') started.set(e.event, Date.parse(e.at));
      else if (started.has(e.event)) {
        const list = perEvent.get(e.event) ?? [];
        list.push(Date.parse(e.at) - (started.get(e.event) as number));
        perEvent.set(e.event, list);
      }
    }
    const end = events.find((e) => e.type === 'deployment.finished');
    if (end?.type !== 'deployment.finished' || end.status !== 'succeeded') throw new Error(JSON.stringify(end));
  }

  /** The hand-written script unpacks every time: so does tarmac (AfterInstall would skip an unpacked release). */
  async function forgetUnpacked(id: string): Promise<void> {
    const result = await hosts.manager.exec('h1', ['rm', '-rf', '--', `${ROOT}/releases/${id}`]);
    if (result.code !== 0) throw new Error(`could not remove release ${id}: ${result.output}`);
  }

  async function handDeploy(sha256: string, id: string): Promise<void> {
    const script = `set -e
mkdir -p ${ROOT}/releases/${id}
tar -xzf ${releaseFile(sha256)} -C ${ROOT}/releases/${id}
ln -sfn ${ROOT}/releases/${id} ${ROOT}/current
systemctl restart tarmac-hello-staging.service
until curl -fs -o /dev/null http://127.0.0.1:4001/health; do sleep 0.1; done`;
    const result = await hosts.manager.exec('h1', ['bash', '-c', script], { timeoutMs: 120_000 });
    if (result.code !== 0) throw new Error(`hand-written deploy failed: ${result.output}`);
  }
} finally {
  await hosts.teardown();
}

async function time(f: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await f();
  return performance.now() - start;
}

function ms(value: number): string {
  return `${(value / 1000).toFixed(2)} s`;
}
