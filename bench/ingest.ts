/**
 * Ingest throughput and memory (issue #5): for release tarballs of ~200 MB and ~1 GB of incompressible data,
 * measured in one run, each measurement in its own child process (peak RSS per run):
 *   tarmac → S3   a signed upload's put into S3ArtifactStore (sha256 and length declared: one PutObject straight
 *                 to sha256/<hex>), then the real `ingest` job (checkRelease reading it once) through
 *                 createWorker, on s3rver
 *   tarmac → fs   the same into FsArtifactStore (local mode)
 *   bare Upload   one @aws-sdk/lib-storage Upload of the file to the same s3rver (the baseline)
 *   check         checkRelease alone over the file, against `gzip -dc file > /dev/null`
 * Run: `npx tsx bench/ingest.ts [sizes in MB, default 200,1000]`. Goals: tarmac/bare ≥ 0.8, RSS < 200 MB, flat.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { startS3rver } from '../test/support/s3rver';
import { type ChildResult, formatReport } from './support/ingest-report';
import { sizeMB, writeReleaseTarball } from './support/release-tarball';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const sizes = (process.argv[2] ?? '200,1000').split(',').map(Number);
const root = new URL('..', import.meta.url).pathname;
const config = join(root, 'examples', 'tarmac.yml');
// Inside node_modules so the bundle's bare imports (AWS SDK, tar, better-sqlite3) resolve as in the repo.
const childDir = join(root, 'node_modules', '.cache', 'tarmac-bench-ingest');
const childFile = join(childDir, `ingest-child-${process.pid}.mjs`);
const work = mkdtempSync(join(tmpdir(), 'tarmac-bench-ingest-'));
const s3 = await startS3rver('tarmac-bench');
const client = new S3Client(s3.clientConfig);

try {
  await build({
    entryPoints: [join(root, 'bench', 'support', 'ingest-child.ts')],
    outfile: childFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  for (const mb of sizes) {
    const started = performance.now();
    const tarball = writeReleaseTarball(work, mb * 1e6);
    const generated = (performance.now() - started) / 1000;
    const size = sizeMB(tarball);
    const load = loadavg()
      .map((n) => n.toFixed(2))
      .join(' ');
    console.log(`\n== ${size.toFixed(0)} MB tarball (generated in ${generated.toFixed(1)} s, load average ${load})`);
    const gzip = gunzipSeconds(tarball);
    const runs: ChildResult[] = [];
    for (const mode of ['check', 'fs', 's3', 'bare']) {
      runs.push(await runChild(mode, tarball));
      await emptyBucket();
    }
    console.log(formatReport(size, gzip, runs));
    console.log(
      `load average after: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
    );
    rmSync(tarball, { force: true });
  }
} finally {
  await s3.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(childFile, { force: true });
  if (readdirSync(childDir).length === 0) rmdirSync(childDir);
}

/** `gzip -dc file > /dev/null`, the floor for anything that has to gunzip the tarball. */
function gunzipSeconds(tarball: string): number {
  const start = performance.now();
  const result = spawnSync('bash', ['-c', 'gzip -dc "$1" > /dev/null', 'gzip', tarball], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`gzip -dc failed (${result.status})`);
  return (performance.now() - start) / 1000;
}

/** One measurement in its own process; async, because s3rver answers from this process's event loop. */
async function runChild(mode: string, tarball: string): Promise<ChildResult> {
  const dir = join(work, `run-${mode}`);
  mkdirSync(dir, { recursive: true });
  const s3Args = mode === 's3' || mode === 'bare' ? [JSON.stringify(s3.clientConfig), s3.bucket] : [];
  const child = spawn(process.execPath, [childFile, mode, tarball, dir, config, ...s3Args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000,
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const [code, signal] = (await once(child, 'close')) as [number | null, string | null];
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`${mode} run failed (${code ?? signal})`);
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as ChildResult;
}

/** Free s3rver's disk between runs (each run stores up to three copies of the tarball). */
async function emptyBucket(): Promise<void> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
  for (const object of listed.Contents ?? []) {
    await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: object.Key }));
  }
}
