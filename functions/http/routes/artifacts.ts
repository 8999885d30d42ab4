import { Hono } from 'hono';
import * as z from 'zod';
import { unknownNameMessage } from '../../core/config';
import { ArtifactDigestError, ArtifactTooLargeError } from '../../core/errors';
import { claimOnce, releaseClaim } from '../../state/dedup';
import { limitBody } from '../body-limit';
import { type AppDeps, type AppEnv, DEFAULT_LIMITS } from '../deps';
import { methodNotAllowed, parseJsonBody, problem, requireContentType, tooLarge } from '../responses';
import type { IntakeSecrets } from '../secrets';
import { buildSignature, TIMESTAMP_WINDOW_SEC, uploadSignature } from '../signatures';
import { chunksOf } from '../web-chunks';

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const TARBALL_TYPES = ['application/octet-stream', 'application/gzip', 'application/x-gzip'];
const UPLOAD_URL_TTL_SEC = 900;
/** A signed timestamp is accepted up to the window before or after now: remember a used signature that long. */
const SIGNATURE_TTL_SEC = 2 * TIMESTAMP_WINDOW_SEC;

/** The hex digest of an already verified `sha256=<hex>` signature header: the key that makes it single-use. */
const signatureOf = (header: string | undefined) => (header ?? '').slice('sha256='.length).toLowerCase();

/**
 * Release uploads. `PUT /artifacts/<app>/<version>` streams the tarball into the artifact store (never
 * buffered whole) under its content-addressed key `sha256/<signed sha256>`; `POST /artifacts/<app>/<version>/upload-url` (AWS mode)
 * hands out a presigned S3 PUT instead, because Lambda cannot take bodies over 6 MB — for `sha256/<hex>` when
 * the signed request declares sha256 and size (the headers to send come with the URL), else for `uploads/…`.
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

  const urlRequest = z
    .strictObject({
      app: z.string(),
      version: z.string(),
      // Declared by `tarmac release push` and CI: the URL is then for the final key, and S3 checks the bytes.
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'must be the hex sha256 of the tarball')
        .optional(),
      size: z.number().int().nonnegative().optional(),
    })
    .refine((body) => (body.sha256 === undefined) === (body.size === undefined), {
      message: 'give sha256 and size together (the URL signs both), or neither',
      path: ['size'],
    });
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
      const { sha256, size } = parsed.data;
      if (size !== undefined && size > maxBytes) return tooLarge(maxBytes)(c);
      // Declared bytes go straight to their content-addressed key (S3 refuses any others): no copy at ingest.
      const key = sha256 ? `sha256/${sha256}` : newKey(app, version);
      const declared = sha256 !== undefined && size !== undefined ? { sha256, size } : {};
      const presigned = await deps.uploadUrls.presignPut(key, {
        expiresInSec: UPLOAD_URL_TTL_SEC,
        maxBytes,
        ...declared,
      });
      const { url, headers } = presigned;
      return c.json({ key, url, method: 'PUT', headers, expiresInSec: UPLOAD_URL_TTL_SEC, maxBytes }, 201);
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
