/**
 * A fleet deploy against the simplest thing that could work, on the same real local hosts in the same run:
 * tarmac deploys the hello release to N hosts with strategy `all` and `half` (render → bundle → every hook on
 * every host → healthy), and a hand-written parallel `tar; ln -sfn; systemctl restart; curl` runs on the same
 * N hosts at once (both unpack every round: the release tarmac deploys is removed from the hosts before,
 * untimed). Prints each wall time, the ratios, and tarmac's own CPU time per host-deployment (this
 * process: planning, bundling, the deployer's orchestration — the hooks run in the hosts, not here).
 * Run: `TARMAC_HOST_SET=<S> npx tsx bench/fleet.ts [hosts, default 20] [rounds, default 2]` (root,
 * systemd-nspawn; the hosts lock of the set is held). Goal (issue #15): tarmac ≤ 1.3× the script.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { releaseFile } from '../functions/adapters/local/local-deployer/paths';
import { parseConfig } from '../functions/core/config';
import { buildFixture } from '../test/support/fixture';
import { bootTestHosts } from '../test/support/hosts';
import { deployHarness, exampleConfigText, workDirIn } from '../test/support/local-deploy';

const count = Number(process.argv[2] ?? 20);
const rounds = Number(process.argv[3] ?? 2);
const ROOT = '/opt/tarmac/hello/staging';
const names = Array.from({ length: count }, (_, i) => `h${i + 1}`);

/** The example config on `count` hosts with the given strategy. */
function configWith(strategy: 'all' | 'half') {
  const text = exampleConfigText()
    .replace('hosts: [h1, h2]', `hosts: [${names.join(', ')}]`)
    .replace('strategy: one-at-a-time', `strategy: ${strategy}`);
  return parseConfig(text, `examples/tarmac.yml (${count} hosts, ${strategy})`);
}

const hosts = await bootTestHosts(count);
try {
  const tarballs = buildFixture();
  const h = await deployHarness(hosts.manager, workDirIn(hosts.dataDir), configWith('all'));
  for (const name of ['erlang_cookie', 'secret_key_base', 'database_password']) {
    await h.secrets.set('hello/staging', name, randomBytes(48).toString('base64url'));
  }
  const releases = [await h.pushRelease(tarballs['1.0.0'], '1.0.0'), await h.pushRelease(tarballs['2.0.0'], '2.0.0')];
  const configs = { all: configWith('all'), half: configWith('half') };
  // Warm-up: the first deploys create users, directories, units and copy both tarballs into every host.
  for (const release of releases) await tarmacDeploy(release, 'all');

  const runs = { all: [] as number[], half: [] as number[], script: [] as number[] };
  const cpuMs = { all: [] as number[], half: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    for (const strategy of ['all', 'half'] as const) {
      const release = releases[(2 * i + (strategy === 'all' ? 0 : 1)) % 2] as (typeof releases)[number];
      await forgetUnpacked(release.id);
      const cpu = process.cpuUsage();
      runs[strategy].push(await time(() => tarmacDeploy(release, strategy)));
      const used = process.cpuUsage(cpu);
      cpuMs[strategy].push((used.user + used.system) / 1000 / count);
    }
    runs.script.push(await time(() => handDeployAll(releases[i % 2]?.sha256 as string, `bench-${i}`)));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(`${count} hosts, ${rounds} rounds, ${cpus().length} cpus, load average ${load}`);
  for (const [name, xs] of Object.entries(runs)) {
    console.log(`${name.padEnd(8)} ${xs.map(s).join(', ')}  median ${s(median(xs))}`);
  }
  for (const strategy of ['all', 'half'] as const) {
    const ratio = median(runs[strategy]) / median(runs.script);
    console.log(
      `ratio tarmac ${strategy} / hand-written parallel: ${ratio.toFixed(2)} (goal ≤ 1.3) — tarmac CPU per host-deployment ${median(cpuMs[strategy]).toFixed(0)} ms`,
    );
  }

  async function tarmacDeploy(release: (typeof releases)[number], strategy: 'all' | 'half'): Promise<void> {
    const events = await h.deploy('staging', release, { hosts: names, config: configs[strategy] });
    const end = events.find((e) => e.type === 'deployment.finished');
    if (end?.type !== 'deployment.finished' || end.status !== 'succeeded') throw new Error(JSON.stringify(end));
  }

  /** The hand-written script unpacks every time: so does tarmac (AfterInstall would skip an unpacked release). */
  async function forgetUnpacked(id: string): Promise<void> {
    await Promise.all(
      names.map(async (name) => {
        const result = await hosts.manager.exec(name, ['rm', '-rf', '--', `${ROOT}/releases/${id}`]);
        if (result.code !== 0) throw new Error(`could not remove release ${id} on ${name}: ${result.output}`);
      }),
    );
  }

  /** The same unpack, switch, restart and health wait, on every host at once. */
  async function handDeployAll(sha256: string, id: string): Promise<void> {
    const script = `set -e
mkdir -p ${ROOT}/releases/${id}
tar -xzf ${releaseFile(sha256)} -C ${ROOT}/releases/${id}
ln -sfn ${ROOT}/releases/${id} ${ROOT}/current
systemctl restart tarmac-hello-staging.service
until curl -fs -o /dev/null http://127.0.0.1:4001/health; do sleep 0.1; done`;
    await Promise.all(
      names.map(async (name) => {
        const result = await hosts.manager.exec(name, ['bash', '-c', script], { timeoutMs: 180_000 });
        if (result.code !== 0) throw new Error(`hand-written deploy failed on ${name}: ${result.output}`);
      }),
    );
  }
} finally {
  await hosts.teardown();
}

async function time(f: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await f();
  return performance.now() - start;
}
