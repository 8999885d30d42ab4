import { Hono } from 'hono';
import * as z from 'zod';
import type { TarmacConfig } from '../../core/config/schema';
import type { Job } from '../../core/jobs';
import { limitBody } from '../body-limit';
import type { AppDeps, AppEnv } from '../deps';
import { enqueueOnce } from '../enqueue';
import { methodNotAllowed, parseJsonBody, problem, requireContentType, tooLarge } from '../responses';
import type { IntakeSecrets } from '../secrets';
import { githubSignature } from '../signatures';

/** GitHub's documented maximum payload. */
export const GITHUB_MAX_BYTES = 25 * 1024 * 1024;

const ZERO_SHA = /^0+$/;
const SHA = z.string().regex(/^[0-9a-f]{40}$|^[0-9a-f]{64}$/, 'must be a commit sha');

/** `repository.pushed_at` in seconds, whichever form GitHub sent. */
function pushedAtSeconds(value: unknown): number | undefined {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) / 1000 : Number.NaN;
  return Number.isFinite(seconds) ? Math.floor(seconds) : undefined;
}

/** The fields of a `push` event tarmac uses; GitHub sends many more, which are ignored. */
const pushSchema = z.object({
  ref: z.string().min(1),
  before: SHA.optional(),
  after: SHA,
  deleted: z.boolean().optional(),
  // A push event's `pushed_at` is seconds since the epoch (other events use an ISO date): read either, and
  // never refuse a push over it.
  repository: z.object({ full_name: z.string().min(3), pushed_at: z.unknown().optional() }),
  pusher: z.object({ name: z.string() }).partial().optional(),
  sender: z.object({ login: z.string() }).partial().optional(),
});

/** Apps whose repo is `repo` and that have an environment following `branch`. */
export function appsFollowing(config: TarmacConfig, repo: string, branch: string): string[] {
  return Object.entries(config.apps)
    .filter(([, app]) => app.repo.toLowerCase() === repo.toLowerCase())
    .filter(([, app]) => Object.values(app.environments).some((env) => env.branch === branch))
    .map(([name]) => name);
}

/** `POST /webhooks/github`: `ping` → 200, `push` to a followed branch → one `push` job per app. */
export function githubRoutes(deps: AppDeps, secrets: IntakeSecrets): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.post(
    '/',
    requireContentType(['application/json'], 'set the webhook\'s content type to "application/json" in GitHub'),
    limitBody(GITHUB_MAX_BYTES, tooLarge(GITHUB_MAX_BYTES)),
    githubSignature({ secret: () => secrets.require('github_webhook_secret') }),
    async (c) => {
      const event = c.req.header('x-github-event');
      const delivery = c.req.header('x-github-delivery');
      if (!event || !delivery) return problem(c, 400, 'missing X-GitHub-Event or X-GitHub-Delivery header');
      if (!/^[A-Za-z0-9-]{1,64}$/.test(delivery)) return problem(c, 400, 'X-GitHub-Delivery is not a delivery id');
      if (event === 'ping') return c.text('pong', 200);
      if (event !== 'push') return c.text(`ignored: ${event}`, 202);

      const parsed = parseJsonBody(c, pushSchema, 'push event');
      if (!parsed.ok) return parsed.response;
      const push = parsed.data;
      if (push.deleted || ZERO_SHA.test(push.after)) return c.text('ignored: branch deletion', 200);
      if (!push.ref.startsWith('refs/heads/')) return c.text(`ignored: ${push.ref} is not a branch`, 202);
      const branch = push.ref.slice('refs/heads/'.length);
      const repo = push.repository.full_name;
      const apps = appsFollowing(deps.config, repo, branch);
      if (apps.length === 0) return c.text(`ignored: no environment follows ${repo}@${branch}`, 202);

      const correlationId = c.get('correlationId');
      const pusher = push.pusher?.name ?? push.sender?.login ?? 'unknown';
      const pushedAt = pushedAtSeconds(push.repository.pushed_at);
      const jobs: Job[] = apps.map((app) => ({
        v: 1,
        type: 'push',
        idempotencyKey: `github:${delivery}:${app}`,
        correlationId,
        app,
        branch,
        sha: push.after,
        // Signed by GitHub: the worker orders pushes by these, never by arrival (a replay must not roll back).
        ...(push.before && !ZERO_SHA.test(push.before) ? { before: push.before } : {}),
        ...(pushedAt === undefined ? {} : { pushedAt }),
        pusher,
      }));
      const outcome = await enqueueOnce(deps, { source: 'github', id: delivery }, jobs, c.get('log'));
      if (outcome === 'duplicate') return c.text('duplicate', 200);
      return c.json({ queued: apps.map((app) => ({ type: 'push', app, branch })), correlationId }, 202);
    },
  );
  routes.all('/', methodNotAllowed('POST'));
  return routes;
}
