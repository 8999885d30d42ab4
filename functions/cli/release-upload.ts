import { createReadStream } from 'node:fs';
import * as z from 'zod';
import { TarmacError } from '../core/errors';
import { signedJsonHeaders, signedUploadHeaders } from '../http/signing';

/** A tarball to upload: its target, and the digest and length the server is told (and signs) up front. */
export interface UploadTarget {
  readonly app: string;
  readonly version: string;
  readonly file: string;
  readonly sha256: string;
  readonly size: number;
}

/** What `PUT /artifacts/<app>/<version>` answers (http/routes/artifacts.ts); only the key is used. */
const UploadAnswer = z.object({ key: z.string().min(1) });
/** What `POST …/upload-url` answers (AWS mode): the presigned PUT and the signed headers to send with it. */
const PresignedAnswer = z.object({
  key: z.string().min(1),
  url: z.string().url(),
  headers: z.record(z.string(), z.string()).default({}),
});

/**
 * Upload a release tarball to a tarmac server; returns its artifact key. On AWS (the server hands out presigned
 * URLs: a Lambda takes no body over 6 MB) the tarball goes straight to S3 under `sha256/<hex>`, with its sha256
 * and length signed into the URL — S3 refuses other bytes; a server without presigned uploads (`tarmac serve`
 * answers 404) takes the signed streamed PUT itself.
 */
export async function uploadTarball(base: string, secret: string, target: UploadTarget): Promise<string> {
  const path = `/artifacts/${encodeURIComponent(target.app)}/${encodeURIComponent(target.version)}`;
  const now = () => Date.now() / 1000;
  const request = JSON.stringify({
    app: target.app,
    version: target.version,
    sha256: target.sha256,
    size: target.size,
  });
  const asked = await fetch(`${base}${path}/upload-url`, {
    method: 'POST',
    headers: signedJsonHeaders(secret, request, now()),
    body: request,
  });
  if (asked.status !== 404) {
    if (!asked.ok) throw new TarmacError(`upload-url refused: HTTP ${asked.status} ${await asked.text()}`);
    const presigned = PresignedAnswer.safeParse(await asked.json());
    if (!presigned.success) throw new TarmacError(`upload-url answered without a URL — is ${base} a tarmac server?`);
    const { key, url, headers } = presigned.data;
    const put = await fetch(url, { method: 'PUT', headers, body: createReadStream(target.file), duplex: 'half' });
    if (!put.ok) throw new TarmacError(`upload to the artifact store refused: HTTP ${put.status} ${await put.text()}`);
    return key;
  }
  const upload = await fetch(`${base}${path}`, {
    method: 'PUT',
    headers: signedUploadHeaders(secret, target, now()),
    body: createReadStream(target.file), // fetch streams an async iterable of bytes; a stream body needs duplex
    duplex: 'half',
  });
  if (!upload.ok) throw new TarmacError(`upload refused: HTTP ${upload.status} ${await upload.text()}`);
  const answer = UploadAnswer.safeParse(await upload.json());
  if (!answer.success) {
    throw new TarmacError(`upload answered without an artifact key — is ${base} a tarmac server?`, { base });
  }
  return answer.data.key;
}
