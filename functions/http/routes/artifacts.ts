import { Hono } from 'hono';
import * as z from 'zod';
import { unknownNameMessage } from '../../core/config';
import { ArtifactDigestError, ArtifactTooLargeError } from '../../core/errors';
import type { ByteStream } from '../../ports';
import { claimOnce, releaseClaim } from '../../state/dedup';
import { limitBody } from '../body-limit';
import { type AppDeps, type AppEnv, DEFAULT_LIMITS } from '../deps';
import { methodNotAllowed, parseJsonBody, problem, requireContentType, tooLarge } from '../responses';
import type { IntakeSecrets } from '../secrets';
import { buildSignature, TIMESTAMP_WINDOW_SEC, uploadSignature } from '../signatures';

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const TARBALL_TYPES = ['application/octet-stream', 'application/gzip', 'application/x-gzip'];
const UPLOAD_URL_TTL_SEC = 900;
/** A signed timestamp is accepted up to the window before or after now: remember a used signature that long. */
const SIGNATURE_TTL_SEC = 2 * TIMESTAMP_WINDOW_SEC;

/** The hex digest of an already verified `sha256=<hex>` signature header: the key that makes it single-use. */
const signatureOf = (header: string | undefined) => (header ?? '').slice('sha256='.length).toLowerCase();

/** Bytes of a web stream; cancels the stream when the consumer stops early (size cap). */
async function* chunksOf(stream: ReadableStream<Uint8Array>): ByteStream {
  const reader = stream.getReader();
  let done = false;
  try {
    while (!done) {
      const next = await reader.read();
      done = next.done;
      if (next.value) yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/**
 * Release uploads. `PUT /artifacts/<app>/<version>` streams the tarball into the artifact store (never
 * buffered whole) under its content-addressed key `sha256/<signed sha256>`; `POST /artifacts/<app>/<version>/upload-url` (AWS mode)
 * hands out a presigned S3 PUT instead, because Lambda cannot take bodies over 6 MB.
 */
export function artifactRoutes(deps: AppDeps, secrets: IntakeSecrets): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const maxBytes = deps.limits?.maxArtifactBytes ?? DEFAULT_LIMITS.maxArtifactBytes;
  const secret = () => secrets.require('build_webhook_secret');
  const newKey = (app: string, version: string) => `uploads/${app}/${version}/${deps.ids.next()}.tar.gz`;

  routes.put(
    '/:app/:version',
    requireContentType(TARBALL_TYPES, 'send the tarball as application/octet-stream'),
    uploadSignature({ secret, clock: deps.clock }),
    async (c) => {
      const { app, version } = c.req.param();
      const invalid = checkTarget(deps, app, version);
      if (invalid) return problem(c, invalid.status, invalid.message);
      const declared = Number(c.req.header('content-length') ?? Number.NaN);
      if (declared > maxBytes) return tooLarge(maxBytes)(c);
      const body = c.req.raw.body;
      if (!body) return problem(c, 400, 'empty body — send the tarball bytes');
      const signature = signatureOf(c.req.header('x-tarmac-signature-256'));
      if (!(await claimOnce(deps.state, 'upload', signature, deps.clock.now(), SIGNATURE_TTL_SEC))) {
        return problem(
          c,
          409,
          'this signed upload was already used — sign a new one (fresh timestamp) to upload again',
        );
      }
      let stored: Awaited<ReturnType<typeof deps.artifacts.put>>;
      try {
        // Straight to its content-addressed key: the store checks the bytes against the signed sha256 as it
        // writes them (no temporary object, no copy); the ingest job then only reads it once to check it.
        const sha256 = c.req.header('x-tarmac-content-sha256') as string; // checked by uploadSignature
        const size = Number.isSafeInteger(declared) && declared >= 0 ? { size: declared } : {};
        stored = await deps.artifacts.put(chunksOf(body), { sha256, maxBytes, ...size });
      } catch (error) {
        // Nothing was stored: the same signed request may be retried.
        await releaseClaim(deps.state, 'upload', signature);
        if (error instanceof ArtifactTooLargeError) return tooLarge(maxBytes)(c);
        if (error instanceof ArtifactDigestError) {
          return problem(c, 400, 'body does not match X-Tarmac-Content-Sha256 — nothing was stored');
        }
        throw error;
      }
      c.get('log').info({ app, version, key: stored.key, size: stored.size }, 'artifact uploaded');
      return c.json({ key: stored.key, sha256: stored.sha256, size: stored.size }, 201);
    },
  );
  routes.all('/:app/:version', methodNotAllowed('PUT'));

  const urlRequest = z.strictObject({ app: z.string(), version: z.string() });
  routes.post(
    '/:app/:version/upload-url',
    requireContentType(['application/json'], 'send {"app","version"} as JSON'),
    limitBody(4096, tooLarge(4096)),
    buildSignature({ secret, clock: deps.clock }),
    async (c) => {
      const { app, version } = c.req.param();
      const parsed = parseJsonBody(c, urlRequest, 'upload-url request');
      if (!parsed.ok) return parsed.response;
      // The path is not signed; the body is, and must name the same target.
      if (parsed.data.app !== app || parsed.data.version !== version) {
        return problem(c, 400, 'the signed body must name the same app and version as the path');
      }
      const invalid = checkTarget(deps, app, version);
      if (invalid) return problem(c, invalid.status, invalid.message);
      if (!deps.uploadUrls) {
        return problem(c, 404, `presigned uploads are an AWS-mode feature — PUT /artifacts/${app}/${version}`);
      }
      const signature = signatureOf(c.req.header('x-tarmac-signature-256'));
      if (!(await claimOnce(deps.state, 'upload-url', signature, deps.clock.now(), SIGNATURE_TTL_SEC))) {
        return problem(c, 409, 'this signed upload-url request was already used — sign a new one (fresh timestamp)');
      }
      const key = newKey(app, version);
      const url = await deps.uploadUrls.presignPut(key, { expiresInSec: UPLOAD_URL_TTL_SEC, maxBytes });
      return c.json({ key, url, method: 'PUT', expiresInSec: UPLOAD_URL_TTL_SEC, maxBytes }, 201);
    },
  );
  routes.all('/:app/:version/upload-url', methodNotAllowed('POST'));
  return routes;
}

function checkTarget(deps: AppDeps, app: string, version: string): { status: 404 | 400; message: string } | undefined {
  const unknown = unknownNameMessage(deps.config, app);
  if (unknown) return { status: 404, message: unknown };
  if (!VERSION.test(version)) return { status: 400, message: `version "${version}" is not valid (e.g. 1.4.2)` };
  return undefined;
}
