/**
 * The main job, end to end on one box: boot two local systemd hosts, start tarmac in local mode, upload the
 * real OTP release with a signed build event, deploy it to staging, promote the same tarball to production,
 * and show every instance answering. `--keep` leaves the server and hosts running; `--ssh` runs sshd in the
 * hosts and makes them the fleet's SSH servers, so tarmac deploys to them over SSH only.
 *
 * Run it with `npm run demo` (scripts/demo.sh installs what it needs and builds the release first).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { openLocalAdapters } from '../functions/adapters/local';
import { submit, waitForJob, watchDeployment } from '../functions/cli/local-client';
import { stdOutput } from '../functions/cli/output';
import { DeploymentProgress } from '../functions/cli/progress';
import { pushToServer } from '../functions/cli/release-push';
import { allInstances, parseConfig } from '../functions/core/config';
import { TarmacError } from '../functions/core/errors';
import type { Job } from '../functions/core/jobs';
import { INTAKE_SECRETS } from '../functions/core/secrets';
import { HostManager } from '../functions/hosts/manager';
import { startPostgresql } from '../functions/hosts/postgres';
import { type LocalRuntime, openLocalRuntime } from '../functions/local/runtime';
import { startServer } from '../functions/local/server';
import { createLogger } from '../functions/log';
import { findRelease } from '../functions/state/releases';
import { initInstanceSecrets } from '../functions/state/secrets';
import { sshDemoConfig, tailOf, teardown } from './demo-support';

const out = stdOutput();
const keep = process.argv.includes('--keep');
const overSsh = process.argv.includes('--ssh');
const dataDir = resolve(process.env.TARMAC_DEMO_DATA ?? '.tarmac/demo');
// The example with a local PostgreSQL database per instance (examples/tarmac.yml has none).
const configFile = resolve('examples/databases.yml');
const tarball = resolve('.cache/fixtures/hello-1.0.0.tar.gz');
const logFile = `${dataDir}/tarmac.log`;
const started = Date.now();
let where = 'setup';

const say = (text: string) => out.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${text}\n`);
const step = (text: string) => {
  where = text;
  out.write(`\n▸ ${text}\n`);
};

async function runJob(runtime: LocalRuntime, make: (base: Pick<Job, 'v' | 'idempotencyKey' | 'correlationId'>) => Job) {
  const id = runtime.adapters.ids.next();
  const job = make({ v: 1, idempotencyKey: `demo-${id}`, correlationId: id });
  await submit(runtime, job);
  const result = (await waitForJob(runtime, job.idempotencyKey)).result;
  if (!result?.deploymentId || result.outcome !== 'done') throw new TarmacError(result?.message ?? 'job failed');
  say(result.message);
  const progress = new DeploymentProgress(out, { json: false, startedAt: started, now: Date.now });
  const final = await watchDeployment(runtime, result.deploymentId, (d) => progress.update(d));
  if (!progress.finish(final)) throw new TarmacError(`deployment ${final.id} ${final.status}: ${final.error ?? ''}`);
}

async function main(): Promise<void> {
  if (!existsSync(tarball))
    throw new TarmacError(`${tarball} is missing — run scripts/build-fixture.sh (npm run demo does)`);
  step('Stopping what an earlier demo left running');
  await teardown(dataDir, say, { wipe: true });

  let config = parseConfig(readFileSync(configFile, 'utf8'), configFile);
  const adapters = openLocalAdapters(dataDir);
  const logger = createLogger({ destination: pino.destination({ dest: logFile, mkdir: true, sync: true }) });
  step('Secrets: intake signing secrets, Erlang cookies, secret_key_base');
  for (const name of INTAKE_SECRETS) await adapters.secrets.set('_global', name, randomBytes(32).toString('hex'));
  for (const instance of allInstances(config)) {
    const created = await initInstanceSecrets(adapters.secrets, instance.secretScope);
    for (const name of instance.secrets.filter((n) => !created.includes(n))) {
      await adapters.secrets.putIfMissing(instance.secretScope, name, randomBytes(24).toString('base64url'));
    }
    say(`${instance.secretScope}: ${instance.secrets.join(', ')} (values stay in ${dataDir}/secrets, mode 0600)`);
  }

  step(`Booting 2 local test hosts (systemd in namespaces, overlay of / on tmpfs${overSsh ? ', running sshd' : ''})`);
  const hosts = new HostManager({ dataDir, logger });
  const records = await hosts.up(2, { ssh: overSsh });
  for (const host of records) say(`${host.name} up at ${host.address} (PID 1 = ${host.pid1})`);
  if (overSsh) {
    step('Pinning the SSH host keys of fleet web (tarmac hosts trust web)');
    const key = (await hosts.sshKey()).privateKeyFile;
    const text = await sshDemoConfig(readFileSync(configFile, 'utf8'), records, key, dataDir, say);
    config = parseConfig(text, `${configFile} (--ssh)`);
  }
  await startPostgresql(hosts, ['h1', 'h2']);
  say("PostgreSQL runs on h1 and h2 (BeforeInstall creates each instance's role and database there)");

  step('Starting tarmac in local mode (HTTP intake + worker + local deployer)');
  let runtime: LocalRuntime | undefined;
  const server = await startServer({
    config,
    adapters,
    // The hosts the deployer uses: `--server` logs, eval and console reach them through this server.
    dataDir,
    port: Number(process.env.TARMAC_DEMO_PORT ?? 0),
    logger,
    onStarted: async ({ adapters: stores }) => {
      runtime = await openLocalRuntime({ dataDir, config, logger, adapters: stores });
      return () => runtime?.close();
    },
  });
  say(`listening on ${server.url}; logs in ${logFile}`);
  if (!runtime) throw new TarmacError('the worker did not start');
  const rt: LocalRuntime = runtime;

  try {
    step('Uploading hello 1.0.0 with a signed build event');
    await pushToServer(
      { config: configFile, data: dataDir, server: server.url },
      tarball,
      { app: 'hello', version: '1.0.0', branch: 'main' },
      out,
    );
    for (let i = 0; i < 600 && !(await findRelease(adapters.state, 'hello', '1.0.0')); i++)
      await new Promise((r) => setTimeout(r, 100));
    const release = await findRelease(adapters.state, 'hello', '1.0.0');
    if (!release) throw new TarmacError('the release was not accepted — see the log');
    say(`release ${release.id} validated and stored (sha256 ${release.sha256.slice(0, 12)}…)`);

    step('Deploying to staging');
    await runJob(rt, (base) => ({
      ...base,
      type: 'deploy',
      app: 'hello',
      env: 'staging',
      ref: '1.0.0',
      trigger: 'cli',
      requestedBy: 'demo',
    }));

    step('Promoting the same tarball to production');
    await runJob(rt, (base) => ({
      ...base,
      type: 'promote',
      app: 'hello',
      from: 'staging',
      to: 'production',
      requestedBy: 'demo',
    }));

    step('Every instance answers on its own port, with its own database at its schema version');
    for (const host of await hosts.list()) {
      for (const instance of allInstances(config)) {
        const url = `http://${host.address}:${instance.port}${instance.health.path}`;
        const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
        const body = (await response.text()).trim();
        const schema = (JSON.parse(body) as { schema?: unknown }).schema;
        say(`${instance.app}/${instance.env} on ${host.name}: ${url} → ${response.status} ${body}`);
        say(`  database ${instance.database?.name ?? '(none)'} on ${host.name}: schema version ${schema}`);
        if (!response.ok) throw new TarmacError(`${url} answered ${response.status}`);
      }
    }
  } finally {
    if (!keep) {
      step('Cleaning up (use --keep to leave the server and hosts running)');
      await server.close();
      await teardown(dataDir, say, { wipe: false });
    }
  }
  if (keep) {
    out.write(`\nLeft running: the server at ${server.url} and hosts h1, h2.\n`);
    out.write(`Dashboard: ${server.url}/   Stop: Ctrl-C here, then: npx tarmac hosts down --data ${dataDir}\n`);
    await new Promise<void>((done) => process.once('SIGINT', () => done()));
    await server.close();
    await teardown(dataDir, say, { wipe: false });
  }
  out.write(
    `\ndemo: ok in ${((Date.now() - started) / 1000).toFixed(1)} s — staging and production healthy on h1 and h2${overSsh ? ' (deployed over SSH)' : ''}, each with its own database\n`,
  );
}

main().catch(async (error: unknown) => {
  out.error(`\ndemo failed during: ${where}\n  ${error instanceof Error ? error.message : String(error)}\n`);
  const tail = tailOf(logFile, 15);
  if (tail) out.error(`last lines of ${logFile}:\n${tail}\n`);
  await teardown(dataDir, say, { wipe: false }).catch(() => undefined);
  process.exit(1);
});
