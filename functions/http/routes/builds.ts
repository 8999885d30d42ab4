import { Hono } from 'hono';
import * as z from 'zod';
import { unknownNameMessage } from '../../core/config';
import type { Job } from '../../core/jobs';
import { limitBody } from '../body-limit';
import type { AppDeps, AppEnv } from '../deps';
import { enqueueOnce } from '../enqueue';
import { methodNotAllowed, parseJsonBody, problem, requireContentType, tooLarge } from '../responses';
import type { IntakeSecrets } from '../secrets';
import { buildSignature } from '../signatures';

const MAX_BYTES = 64 * 1024;

/** An artifact key as the upload routes hand them out: no `..`, no leading `/`. */
export const artifactKeySchema = z
  .string()
  .regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9._/+-]{1,512}$/, 'must be the artifact key returned by the upload');

/**
 * CI's "build finished" event. `artifact` is the key the upload answered with (`PUT /artifacts/…` locally,
 * the presigned S3 key on AWS).
 */
export const buildEventSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be a unique event id (letters, digits, . _ : -)'),
  app: z.string().min(1),
  version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, 'must be a version such as 1.4.2'),
  sha: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/, 'must be a git sha')
    .optional(),
  branch: z.string().min(1).max(255).optional(),
  artifact: artifactKeySchema,
});

export type BuildEvent = z.infer<typeof buildEventSchema>;

/** `POST /webhooks/builds`: a signed build event becomes an `ingest` job (validation happens in the worker). */
export function buildRoutes(deps: AppDeps, secrets: IntakeSecrets): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.post(
    '/',
    requireContentType(['application/json'], 'send the build event as JSON'),
    limitBody(MAX_BYTES, tooLarge(MAX_BYTES)),
    buildSignature({ secret: () => secrets.require('build_webhook_secret'), clock: deps.clock }),
    async (c) => {
      const parsed = parseJsonBody(c, buildEventSchema, 'build event');
      if (!parsed.ok) return parsed.response;
      const build = parsed.data;
      const unknown = unknownNameMessage(deps.config, build.app);
      if (unknown) return problem(c, 422, unknown, { path: 'app' });
      if (!(await deps.artifacts.head(build.artifact))) {
        return problem(c, 422, `no uploaded artifact at "${build.artifact}" — upload the tarball first`, {
          path: 'artifact',
        });
      }
      const correlationId = c.get('correlationId');
      const job: Job = {
        v: 1,
        type: 'ingest',
        idempotencyKey: `build:${build.id}`,
        correlationId,
        app: build.app,
        version: build.version,
        artifactKey: build.artifact,
        ...(build.sha ? { gitSha: build.sha } : {}),
        ...(build.branch ? { branch: build.branch } : {}),
        uploadedBy: 'ci',
      };
      const outcome = await enqueueOnce(deps, { source: 'build', id: build.id }, [job], c.get('log'));
      if (outcome === 'duplicate') return c.text('duplicate', 200);
      return c.json({ queued: [{ type: 'ingest', app: build.app, version: build.version }], correlationId }, 202);
    },
  );
  routes.all('/', methodNotAllowed('POST'));
  return routes;
}
