import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../functions/cli/main';
import { memoryOutput } from '../../../functions/cli/output';
import { REPO_ROOT } from '../../support/fixture';
import { RELEASE, tgz } from '../../support/hostile-tarballs';
import { type RunningMoto, startMoto } from '../../support/moto';

// ApplicationStart as rendered by `tarmac render`, run for real by bash with its lock (dir or DynamoDB on
// moto). Only systemd is faked: `systemd-run` records the migration it was asked to run, `systemctl` answers.
const scratch = mkdtempSync(join(tmpdir(), 'tarmac-lock-'));
const data = join(scratch, 'data');
const tarball = join(scratch, 'hello.tar.gz');
const fakeBin = join(scratch, 'bin');
let moto: RunningMoto;

beforeAll(async () => {
  writeFileSync(tarball, tgz(RELEASE));
  mkdirSync(fakeBin);
  const fake = (name: string, body: string) =>
    writeFileSync(join(fakeBin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
  // The migration's expression is the last argument; one NUL-terminated record per run.
  fake('systemd-run', 'for last; do :; done; printf "%s\\0" "$TARMAC_TEST_NAME $last" >>"$TARMAC_TEST_RUNS"');
  fake('systemctl', '[[ $1 != is-active ]]');
  moto = await startMoto();
  const create = spawnSync(
    'aws',
    [
      'dynamodb',
      'create-table',
      '--table-name',
      'state',
      '--billing-mode',
      'PAY_PER_REQUEST',
      '--attribute-definitions',
      'AttributeName=pk,AttributeType=S',
      'AttributeName=sk,AttributeType=S',
      '--key-schema',
      'AttributeName=pk,KeyType=HASH',
      'AttributeName=sk,KeyType=RANGE',
    ],
    { env: { ...process.env, ...moto.env }, encoding: 'utf8' },
  );
  expect(create.stderr).toBe('');
}, 60_000);
afterAll(async () => {
  await moto?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** `tarmac render hello <env>`, then the bundle's instance root moved into the scratch dir. */
async function render(env: string, ...args: string[]): Promise<{ dir: string; deploymentId: string }> {
  const dir = mkdtempSync(join(scratch, `${env}-`));
  const out = memoryOutput();
  const config = join(REPO_ROOT, 'examples/tarmac.yml');
  const code = await main(
    [
      'node',
      'tarmac',
      '--config',
      config,
      '--data',
      data,
      '--json',
      'render',
      'hello',
      env,
      '--release',
      tarball,
      '--out',
      join(dir, 'bundle'),
      ...args,
    ],
    out,
  );
  expect(out.err.join('')).toBe('');
  expect(code).toBe(0);
  const envFile = join(dir, 'bundle/tarmac/instance.env');
  const root = join(dir, 'root');
  const text = readFileSync(envFile, 'utf8');
  writeFileSync(
    envFile,
    text
      .replace(/^TARMAC_ROOT=.*$/m, `TARMAC_ROOT='${root}'`)
      .replace(/^TARMAC_MIGRATE_WAIT=.*$/m, 'TARMAC_MIGRATE_WAIT=1'),
  );
  const id = /^TARMAC_RELEASE_ID='(.*)'$/m.exec(text)?.[1] ?? '';
  mkdirSync(join(root, 'releases', id), { recursive: true });
  writeFileSync(join(root, 'releases', id, '.tarmac-sha256'), 'x\n');
  return { dir, deploymentId: JSON.parse(out.out.join('')).deploymentId };
}

/** Run the bundle's ApplicationStart hook; `runs` collects the migrations systemd-run was asked for. */
function applicationStart(bundle: { dir: string }, name: string, runs: string) {
  const result = spawnSync(join(bundle.dir, 'bundle/hooks/application-start.sh'), [], {
    encoding: 'utf8',
    env: {
      ...process.env,
      ...moto.env,
      PATH: `${fakeBin}:${process.env.PATH}`,
      TARMAC_TEST_NAME: name,
      TARMAC_TEST_RUNS: runs,
    },
  });
  return { status: result.status, output: result.stdout + result.stderr };
}
const runsOf = (file: string) => readFileSync(file, { encoding: 'utf8', flag: 'a+' }).split('\0').filter(Boolean);

describe('the migration lock of ApplicationStart', () => {
  it('migrates staging and production each once with render defaults (no lock answers for another environment)', async () => {
    const runs = join(scratch, 'defaults.runs');
    const staging = await render('staging');
    const production = await render('production');
    expect(staging.deploymentId).toMatch(/^render-hello-staging-/);
    expect(production.deploymentId).not.toBe(staging.deploymentId);
    expect(applicationStart(staging, 'staging', runs).status).toBe(0);
    expect(applicationStart(production, 'production', runs).status).toBe(0);
    expect(runsOf(runs)).toEqual(['staging Hello.Release.migrate()', 'production Hello.Release.migrate()']);
  });

  for (const kind of ['dir', 'dynamodb'] as const) {
    it(`keys the ${kind} lock by app, environment and deployment, and tells a done, live or leftover lock apart`, async () => {
      const runs = join(scratch, `${kind}.runs`);
      const lockArgs = kind === 'dynamodb' ? ['--lock-table', 'state'] : [];
      const same = ['--deployment-id', `d-${kind}-1`, ...lockArgs];
      const staging = await render('staging', ...same);
      const production = await render('production', ...same);
      const first = applicationStart(staging, 'staging', runs);
      expect(first.output).toContain(`this host runs the migration of deployment d-${kind}-1`);
      // The same deployment id in another environment is another lock.
      expect(applicationStart(production, 'production', runs).status).toBe(0);
      // Staging again (a redeployment of the same id): done, not run again, and said so.
      const again = applicationStart(staging, 'staging', runs);
      expect(again.status).toBe(0);
      expect(again.output).toMatch(new RegExp(`already done by ${hostname()} \\d+s ago — not running it again`));
      expect(runsOf(runs)).toEqual(['staging Hello.Release.migrate()', 'production Hello.Release.migrate()']);

      // A claim this host left "running" with no migration unit running here is a leftover: migrate again.
      const leftover = await render('staging', '--deployment-id', `d-${kind}-2`, ...lockArgs);
      claim(leftover, 'running', hostname());
      const retried = applicationStart(leftover, 'staging', runs);
      expect(retried.output).toContain('leftover lock: this host claimed the migration');
      expect(retried.status).toBe(0);
      expect(runsOf(runs)).toHaveLength(3);

      // Another host's running claim is live: wait for it (here until the 1 s wait runs out).
      const live = await render('staging', '--deployment-id', `d-${kind}-3`, ...lockArgs);
      claim(live, 'running', 'h9');
      const waited = applicationStart(live, 'staging', runs);
      expect(waited.output).toMatch(
        /host h9 runs the migration of deployment d-\w+-3 \(claimed \d+s ago\) — waiting for it/,
      );
      expect(waited.output).toContain('did not finish within 1s (status: running; lock: ');
      expect(waited.status).toBe(1);
      expect(runsOf(runs)).toHaveLength(3);
      // Each DynamoDB step is a fresh `aws` CLI process (a Python start-up each, ~15 in this case): ~15 s on a
      // quiet machine, over 60 s on a loaded one; the bound is there to end a hang, not to time it.
    }, 240_000);
  }
});

/** Take the bundle's lock as `host` with `status`, through lock.sh itself. */
function claim(bundle: { dir: string }, status: string, host: string) {
  const script =
    'set -euo pipefail; . "$(dirname "$0")/../tarmac/lib.sh"; . "$TARMAC_BUNDLE/tarmac/lock.sh"; hostname() { echo "$HOST"; }; lock_claim; lock_mark "$STATUS"';
  const result = spawnSync('bash', ['-c', script, join(bundle.dir, 'bundle/hooks/x')], {
    encoding: 'utf8',
    env: { ...process.env, ...moto.env, HOST: host, STATUS: status },
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
}
