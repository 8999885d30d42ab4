/**
 * What a deploy costs the traffic: a steady HTTP load through nginx on one real host (from the machine; half
 * the clients on keep-alive connections, half opening a new connection per request; bounded: each client
 * sends its next request when the last one ended) during 5 consecutive deploys, in the same run for an
 * instance restarted on deploy and for one in blue/green slots. Failed = connection errors and non-2xx
 * answers. A request on a reused keep-alive connection that nginx closed before sending any byte is retried
 * once, as browsers and curl do for idempotent requests (RFC 9112 §9.3.1); nothing else is retried.
 * Also: the cutover, from the new slot's first healthy answer (ValidateService's log) to the first answer of
 * the new release through nginx. Run: `TARMAC_HOST_SET=<S> npx tsx bench/zero-downtime.ts [deploys]`
 * (root, systemd-nspawn). Goal: 0 failed with slots; cutover within 1 s.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { parseConfig } from '../functions/core/config';
import type { DeployerEvent } from '../functions/ports';
import { helloConfigText } from '../test/support/config-text';
import { buildFixture } from '../test/support/fixture';
import { bootTestHosts } from '../test/support/hosts';
import { deployHarness, workDirIn } from '../test/support/local-deploy';

const DEPLOYS = Number(process.argv[2] ?? 5);
const KEEP_ALIVE_CLIENTS = 4;
const NEW_CONNECTION_CLIENTS = 4;
const config = parseConfig(
  helloConfigText(
    '{ hosts: [h1], nginx: true }',
    `
      restart: { port: 4101, domain: restart.test, health: { timeout: 30 } }
      slots: { port: 4102, domain: slots.test, health: { timeout: 30 }, slots: { green_port: 4112, drain: 2 } }`,
  ),
);

interface Load {
  requests: number;
  failed: number;
  maxLatencyMs: number;
  /** Time of the first answer of each version. */
  firstSeen: Map<string, number>;
  errors: Map<string, number>;
}

const hosts = await bootTestHosts(1);
try {
  const address = hosts.hosts[0]?.address as string;
  const tarballs = buildFixture();
  const h = await deployHarness(hosts.manager, workDirIn(hosts.dataDir), config);
  for (const env of ['restart', 'slots']) {
    for (const name of ['erlang_cookie', 'secret_key_base']) {
      await h.secrets.set(`hello/${env}`, name, randomBytes(48).toString('base64url'));
    }
  }
  const releases = [await h.pushRelease(tarballs['1.0.0'], '1.0.0'), await h.pushRelease(tarballs['2.0.0'], '2.0.0')];
  const deploy = async (env: string, index: number) => {
    const events = await h.deploy(env, releases[index % 2] as (typeof releases)[number], { hosts: ['h1'] });
    const end = events.find((e) => e.type === 'deployment.finished');
    if (end?.type !== 'deployment.finished' || end.status !== 'succeeded') throw new Error(JSON.stringify(end));
    return events;
  };
  const cutovers: number[] = [];
  for (const env of ['restart', 'slots']) {
    await deploy(env, 0); // warm-up: users, units, vhost, nginx started; serves 1.0.0
    const load = startLoad(address, `${env}.test`);
    for (let i = 1; i <= DEPLOYS; i++) {
      load.result.firstSeen.clear();
      const events = await deploy(env, i);
      if (env === 'slots') cutovers.push(cutover(events, load.result, releases[i % 2]?.version as string));
    }
    const result = await load.stop();
    console.log(
      `${env}: ${result.failed} failed requests over ${DEPLOYS} deploys (${result.requests} requests, max latency ${Math.round(result.maxLatencyMs)} ms)`,
    );
    if (result.errors.size > 0) console.log(`  ${[...result.errors].map(([e, n]) => `${e} ×${n}`).join(', ')}`);
  }
  console.log(
    `slots cutover (first healthy answer of the new slot → first answer of its release through nginx): ${cutovers.map((c) => `${c} ms`).join(', ')} (goal ≤ 1000 ms)`,
  );
} finally {
  await hosts.teardown();
}

/** From ValidateService's "answers 200 (at <ms> ms)" to the first answer of the new version (seen since the deploy began). */
function cutover(events: DeployerEvent[], load: Load, version: string): number {
  const tail = events.map((e) => (e.type === 'host.event' ? (e.tail ?? '') : '')).join('\n');
  const healthyAt = Number(/answers 200 \(at (\d+) ms\)/.exec(tail)?.[1]);
  const seen = load.firstSeen.get(version);
  return seen !== undefined && healthyAt > 0 ? seen - healthyAt : Number.NaN;
}

function startLoad(address: string, host: string): { result: Load; stop: () => Promise<Load> } {
  const result: Load = { requests: 0, failed: 0, maxLatencyMs: 0, firstSeen: new Map(), errors: new Map() };
  let running = true;
  const keepAlive = new Agent({ keepAlive: true, maxSockets: KEEP_ALIVE_CLIENTS });
  const client = async (agent: Agent | false) => {
    while (running) {
      const started = performance.now();
      const outcome = await get(address, host, agent).catch((error: Error & { retry?: boolean }) =>
        error.retry ? get(address, host, agent).catch((e: Error) => e) : error,
      );
      result.requests++;
      result.maxLatencyMs = Math.max(result.maxLatencyMs, performance.now() - started);
      if (outcome instanceof Error || outcome.status < 200 || outcome.status > 299) {
        result.failed++;
        const why =
          outcome instanceof Error
            ? ((outcome as NodeJS.ErrnoException).code ?? outcome.message)
            : `HTTP ${outcome.status}`;
        const key = `${why} (${agent ? 'keep-alive' : 'new connection'})`;
        result.errors.set(key, (result.errors.get(key) ?? 0) + 1);
        continue;
      }
      const version = /"version":"([^"]+)"/.exec(outcome.body)?.[1];
      if (version && !result.firstSeen.has(version)) result.firstSeen.set(version, Date.now());
    }
  };
  const clients = [
    ...Array.from({ length: KEEP_ALIVE_CLIENTS }, () => client(keepAlive)),
    ...Array.from({ length: NEW_CONNECTION_CLIENTS }, () => client(false)),
  ];
  return {
    result,
    stop: async () => {
      running = false;
      await Promise.all(clients);
      keepAlive.destroy();
      return result;
    },
  };
}

function get(address: string, host: string, agent: Agent | false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const req = request({ host: address, port: 80, path: '/', headers: { host }, agent, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        bytes += chunk.length;
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: Error & { retry?: boolean }) => {
      // A reused keep-alive connection closed by nginx before any byte of an answer: safe to send again.
      error.retry = req.reusedSocket && bytes === 0 && (error as NodeJS.ErrnoException).code === 'ECONNRESET';
      reject(error);
    });
    req.end();
  });
}
