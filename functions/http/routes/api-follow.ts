import { Hono } from 'hono';
import { unknownNameMessage } from '../../core/config';
import { TarmacError } from '../../core/errors';
import type { AppDeps, AppEnv } from '../deps';
import { problem } from '../responses';

/**
 * Reads a remote client needs beyond the summaries: a queued job's outcome (`GET /api/jobs/<key>`), a
 * deployment for `--wait` progress (`GET /api/deployments/<id>`) and `tarmac plan`
 * (`GET /api/apps/<app>/environments/<env>/plan?version=`).
 */
export function followRoutes(deps: AppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get('/jobs/:key', async (c) => {
    const read = deps.readApi;
    if (!read?.job) return problem(c, 501, 'read API not available yet');
    const record = await read.job(c.req.param('key'));
    if (!record) return problem(c, 404, `no job ${c.req.param('key')} (not taken by the worker yet, or expired)`);
    return c.json(record);
  });

  routes.get('/deployments/:id', async (c) => {
    const read = deps.readApi;
    if (!read?.deployment) return problem(c, 501, 'read API not available yet');
    const deployment = await read.deployment(c.req.param('id'));
    if (!deployment) return problem(c, 404, `no deployment ${c.req.param('id')}`);
    return c.json(deployment);
  });

  routes.get('/apps/:app/environments/:env/plan', async (c) => {
    const { app, env } = c.req.param();
    const unknown = unknownNameMessage(deps.config, app, [env]);
    if (unknown) return problem(c, 404, unknown);
    const read = deps.readApi;
    if (!read?.plan) return problem(c, 501, 'plans are not available from this server');
    try {
      return c.json(await read.plan(app, env, c.req.query('version') || undefined));
    } catch (error) {
      // A plan that cannot be made (no release, no hosts, too many down) is an answer, not a server error.
      if (error instanceof TarmacError) return problem(c, 409, error.message);
      throw error;
    }
  });
  return routes;
}
