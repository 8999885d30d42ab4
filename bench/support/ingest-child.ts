/**
 * One measurement of bench/ingest.ts, run alone in its own process (bundled by esbuild and run by plain node,
 * as the worker Lambda is) so that its peak RSS is its own. Prints one JSON line: seconds per phase, maxRSS.
 *
 * argv: <mode> <tarball> <work dir> <tarmac.yml> [<s3 client config JSON> <bucket>]
 * modes: check (checkRelease alone), fs (local mode ingest), s3 (AWS-mode ingest into S3), bare (lib-storage Upload)
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { S3ArtifactStore } from '../../functions/adapters/aws/s3-artifacts';
import { openLocalAdapters } from '../../functions/adapters/local';
import { parseConfig } from '../../functions/core/config';
import { localBundleTarget } from '../../functions/local/bundle-target';
import { silentLogger } from '../../functions/log';
import type { ArtifactStore } from '../../functions/ports';
import { checkRelease, releaseFile } from '../../functions/release/check';
import { createWorker } from '../../functions/worker/worker';

const [mode, tarball, workDir, configFile, s3Json, bucket] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string?,
  string?,
];
const s3Config = s3Json ? (JSON.parse(s3Json) as S3ClientConfig) : undefined;
const phases: Record<string, number> = {};
let ciDigestSeconds: number | undefined;

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function timed<T>(phase: string, run: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await run();
  phases[phase] = (performance.now() - start) / 1000;
  return result;
}

/** The ingest job itself, through the real worker, over `artifacts` and local state in `workDir`. */
async function ingestThroughWorker(artifacts: ArtifactStore | undefined): Promise<void> {
  const local = openLocalAdapters(join(workDir, 'data'));
  try {
    const store = artifacts ?? local.artifacts;
    const config = parseConfig(readFileSync(configFile, 'utf8'), configFile);
    const worker = createWorker({
      ...local,
      config,
      artifacts: store,
      deployer: { start: async () => ({ externalId: 'unused' }) },
      notifier: { notify: async () => {} },
      logger: silentLogger(),
      target: localBundleTarget,
      checkRelease: (body, { releaseName }) => checkRelease(body, { releaseName }),
      packBundle: () => {
        throw new Error('the bench ingests without a git sha: no deploy, no bundle');
      },
    });
    // Like a signed CI upload (`PUT /artifacts/…`): sha256 and length declared, so the store writes the tarball
    // once, straight to its content-addressed key, checking the bytes against the digest as they arrive. The
    // digest itself is the CI's (it signs it), timed apart and not counted in tarmac's path.
    const start = performance.now();
    const declared = { sha256: await fileSha256(tarball), size: statSync(tarball).size };
    ciDigestSeconds = (performance.now() - start) / 1000;
    const upload = await timed('upload', () => store.put(createReadStream(tarball), declared));
    const result = await timed('ingest', () =>
      worker.handle({
        v: 1,
        type: 'ingest',
        idempotencyKey: 'bench-ingest',
        correlationId: 'bench',
        app: 'hello',
        version: '1.0.0',
        artifactKey: upload.key,
        uploadedBy: 'bench',
      }),
    );
    if (result.outcome !== 'done') throw new Error(`ingest did not accept the release: ${result.message}`);
    const stored = await store.head(`sha256/${upload.sha256}`);
    if (stored?.size !== upload.size) throw new Error('the content-addressed copy is missing or has the wrong size');
  } finally {
    local.close();
  }
}

async function bareUpload(): Promise<void> {
  const client = new S3Client(s3Config ?? {});
  // lib-storage's defaults (5 MiB parts, 4 in flight): what a hand-written uploader would do.
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: 'bare/upload', Body: createReadStream(tarball) },
  });
  await timed('upload', () => upload.done());
}

async function checkOnly(): Promise<void> {
  const result = await timed('check', () => checkRelease(releaseFile(tarball), { releaseName: 'hello' }));
  if (!result.ok) throw new Error(`the checker refused the bench tarball: ${result.entry}: ${result.reason}`);
}

switch (mode) {
  case 'check':
    await checkOnly();
    break;
  case 'fs':
    await ingestThroughWorker(undefined);
    break;
  case 's3':
    await ingestThroughWorker(
      new S3ArtifactStore({ bucket: bucket as string, client: new S3Client(s3Config as S3ClientConfig) }),
    );
    break;
  case 'bare':
    await bareUpload();
    break;
  default:
    throw new Error(`unknown mode ${mode} — use check, fs, s3 or bare`);
}
const seconds = Object.values(phases).reduce((a, b) => a + b, 0);
const maxRssMB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ mode, seconds, phases, maxRssMB, ciDigestSeconds })}\n`);
