import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { requireApp } from '../core/config';
import { TarmacError } from '../core/errors';
import type { Job } from '../core/jobs';
import { assertVersion } from '../core/releases';
import { GLOBAL_SCOPE } from '../core/secrets';
import { signedJsonHeaders } from '../http/signing';
import { localSecrets } from './commands/secrets';
import { submit, waitForJob, whoami, withLocalRuntime } from './local-client';
import type { GlobalOptions } from './main';
import type { Output } from './output';
import { uploadTarball } from './release-upload';

export interface PushOptions {
  readonly app: string;
  readonly version: string;
  readonly sha?: string;
  readonly branch?: string;
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * `--server`: what CI does — a signed upload (straight to S3 on AWS, see uploadTarball), then a signed build
 * event; the server's worker validates and records the release. The build secret comes from TARMAC_BUILD_SECRET or the local store.
 */
export async function pushToServer(
  options: GlobalOptions & { server: string },
  tarball: string,
  push: PushOptions,
  out: Output,
): Promise<{ key: string; sha256: string }> {
  const secret =
    process.env.TARMAC_BUILD_SECRET ?? (await localSecrets(options).get(GLOBAL_SCOPE, 'build_webhook_secret'));
  if (!secret) {
    throw new TarmacError(
      'no build secret — set TARMAC_BUILD_SECRET or tarmac secrets set _global build_webhook_secret --stdin',
    );
  }
  const base = options.server.replace(/\/$/, '');
  const sha256 = await fileSha256(tarball);
  const size = (await stat(tarball)).size;
  const key = await uploadTarball(base, secret, { app: push.app, version: push.version, file: tarball, sha256, size });
  const now = () => Date.now() / 1000;
  const event = JSON.stringify({
    id: `push-${push.app}-${push.version}-${sha256.slice(0, 16)}`,
    app: push.app,
    version: push.version,
    ...(push.sha ? { sha: push.sha } : {}),
    ...(push.branch ? { branch: push.branch } : {}),
    artifact: key,
  });
  const build = await fetch(`${base}/webhooks/builds`, {
    method: 'POST',
    headers: signedJsonHeaders(secret, event, now()),
    body: event,
  });
  if (!build.ok) throw new TarmacError(`build event refused: HTTP ${build.status} ${await build.text()}`);
  out.write(
    `${push.app} ${push.version}: uploaded (${sha256.slice(0, 12)}) and build event accepted — the server validates it now\n`,
  );
  return { key, sha256 };
}

/** Local mode: store the upload, queue its ingest and wait for the verdict. */
export async function pushLocal(options: GlobalOptions, tarball: string, push: PushOptions, out: Output) {
  await withLocalRuntime(options, async (runtime) => {
    requireApp(runtime.deps.config, push.app);
    assertVersion(push.version);
    const id = runtime.adapters.ids.next();
    // Written once, straight into the content-addressed store; the ingest job reads it once to check it.
    const stored = await runtime.adapters.artifacts.put(createReadStream(tarball));
    const job: Job = {
      v: 1,
      type: 'ingest',
      idempotencyKey: `cli-${id}`,
      correlationId: id,
      app: push.app,
      version: push.version,
      artifactKey: stored.key,
      uploadedBy: whoami(),
      ...(push.sha ? { gitSha: push.sha } : {}),
      ...(push.branch ? { branch: push.branch } : {}),
    };
    await submit(runtime, job);
    const result = (await waitForJob(runtime, job.idempotencyKey)).result;
    if (!result || result.outcome === 'rejected') throw new TarmacError(result?.message ?? 'ingest failed');
    out.write(options.json ? `${JSON.stringify(result)}\n` : `${result.message}\n`);
  });
}
