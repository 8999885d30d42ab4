import { Hono } from 'hono';
import { estimateDuration } from '../../core/estimate';
import { deploymentHistory, getDeployment } from '../../state/deployments';
import type { AppDeps, AppEnv } from '../deps';
import { guardWith } from '../read-token';
import { dashboardAuth } from './auth';
import { loadDashboard } from './data';
import { DashboardPage, DeploymentPage, MessagePage } from './pages';
import { htmlPage as page } from './respond';

/** Refresh period while a deployment runs or waits, and while nothing happens. */
const ACTIVE_REFRESH_SEC = 5;
const IDLE_REFRESH_SEC = 30;

/**
 * The read-only dashboard: `GET /` (every app and environment) and `GET /deployments/:id` (one deployment,
 * output expanded). Token-protected when `deps.dashboardToken` or `TARMAC_DASHBOARD_TOKEN` is set (read once,
 * on the first request that needs it). Mount with `app.route('/', dashboardRoutes(deps))`: the guard is per route, so it never touches the
 * app's other routes.
 */
export function dashboardRoutes(deps: AppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const auth = guardWith(deps.dashboardToken, dashboardAuth);

  routes.get('/', auth, async (c) => {
    const view = await loadDashboard(deps, deps.clock.now());
    const active = view.apps.some((app) =>
      app.environments.some((e) => e.pending.length > 0 || e.recent[0]?.status === 'in_progress'),
    );
    return page(c, <DashboardPage view={view} refreshSec={active ? ACTIVE_REFRESH_SEC : IDLE_REFRESH_SEC} />);
  });

  routes.get('/deployments/:id', auth, async (c) => {
    const id = c.req.param('id');
    const deployment = await getDeployment(deps.state, id);
    if (!deployment) {
      return page(
        c,
        <MessagePage title="No such deployment">
          <p>
            There is no deployment <code>{id}</code>. <a href="/">Back to all environments</a>.
          </p>
        </MessagePage>,
        404,
      );
    }
    const history = await deploymentHistory(deps.state, deployment.app, deployment.env, 50);
    const estimate = estimateDuration(history.filter((d) => d.id !== deployment.id));
    return page(c, <DeploymentPage deployment={deployment} now={deps.clock.now()} estimate={estimate} />);
  });
  return routes;
}
