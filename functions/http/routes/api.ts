import { Hono } from 'hono';
import { findApp, unknownNameMessage } from '../../core/config';
import type { AppDeps, AppEnv } from '../deps';
import { methodNotAllowed, problem } from '../responses';

/**
 * `GET /api/*`: the read-only JSON API (apps, environments with their current release, lock, pending and
 * recent deployments). Configuration comes from `tarmac.yml`; the rest from the injected read side.
 */
export function apiRoutes(deps: AppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const { config } = deps;

  routes.get('/apps', (c) =>
    c.json({
      apps: Object.entries(config.apps).map(([name, app]) => ({
        name,
        repo: app.repo,
        fleet: app.fleet,
        environments: Object.keys(app.environments),
      })),
    }),
  );

  routes.get('/apps/:app', async (c) => {
    const app = c.req.param('app');
    const appConfig = findApp(config, app);
    if (!appConfig) return problem(c, 404, unknownNameMessage(config, app) ?? `unknown app "${app}"`);
    if (!deps.readApi) return problem(c, 501, 'read API not available yet');
    const read = deps.readApi;
    const environments = await Promise.all(
      Object.keys(appConfig.environments).map((env) => read.environment(app, env)),
    );
    return c.json({ name: app, repo: appConfig.repo, fleet: appConfig.fleet, environments });
  });

  routes.get('/apps/:app/environments/:env', async (c) => {
    const { app, env } = c.req.param();
    const unknown = unknownInstance(deps, app, env);
    if (unknown) return problem(c, 404, unknown);
    if (!deps.readApi) return problem(c, 501, 'read API not available yet');
    return c.json(await deps.readApi.environment(app, env));
  });

  routes.get('/apps/:app/environments/:env/deployments', async (c) => {
    const { app, env } = c.req.param();
    const unknown = unknownInstance(deps, app, env);
    if (unknown) return problem(c, 404, unknown);
    if (!deps.readApi) return problem(c, 501, 'read API not available yet');
    const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 20) || 20, 1), 100);
    const [deployments, activity] = await Promise.all([
      deps.readApi.history(app, env, limit),
      deps.readApi.activity?.(app, env, limit), // eval/console sessions and maintenance switches, audited
    ]);
    return c.json({ deployments, ...activity });
  });

  routes.get('/apps/:app/releases', async (c) => {
    const app = c.req.param('app');
    const appConfig = findApp(config, app);
    if (!appConfig) return problem(c, 404, unknownNameMessage(config, app) ?? `unknown app "${app}"`);
    if (!deps.readApi?.releases) return problem(c, 501, 'read API not available yet');
    return c.json({ releases: await deps.readApi.releases(app, Object.keys(appConfig.environments)) });
  });

  routes.get('/fleets', async (c) => {
    const read = deps.readApi;
    if (!read?.fleet) return problem(c, 501, 'read API not available yet');
    return c.json({ fleets: await Promise.all(Object.keys(config.fleets).map((name) => read.fleet?.(name))) });
  });

  routes.get('/failed-jobs', async (c) => {
    const read = deps.readApi;
    if (!read?.failedJobs) return problem(c, 501, 'read API not available yet');
    const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 20) || 20, 1), 100);
    return c.json({ failedJobs: await read.failedJobs(limit) });
  });

  routes.all('*', (c, next) =>
    c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : methodNotAllowed('GET')(c),
  );
  return routes;
}

function unknownInstance(deps: AppDeps, app: string, env: string): string | undefined {
  return unknownNameMessage(deps.config, app, [env]);
}
