import { Hono } from 'hono';
import { apiAccess } from './api-auth';
import { dashboardRoutes } from './dashboard';
import type { AppDeps, AppEnv } from './deps';
import { guardWith } from './read-token';
import { errorText, methodNotAllowed, problem } from './responses';
import { adminRoutes } from './routes/admin-api';
import { apiRoutes } from './routes/api';
import { followRoutes } from './routes/api-follow';
import { artifactRoutes } from './routes/artifacts';
import { buildRoutes } from './routes/builds';
import { consoleRoutes } from './routes/console';
import { githubRoutes } from './routes/github';
import { operatorRoutes } from './routes/operator-api';
import { slackRoutes } from './routes/slack';
import { writeRoutes } from './routes/write-api';
import { IntakeSecrets, MissingIntakeSecretError } from './secrets';

export type { AppDeps, AppEnv } from './deps';

/** Header carrying the request's correlation id (also on every log line of the request and its jobs). */
export const CORRELATION_HEADER = 'X-Tarmac-Correlation-Id';

/**
 * tarmac's front door: verify, deduplicate, enqueue, answer fast. The same app runs under
 * `@hono/node-server` (`tarmac serve`) and Lambda (`hono/aws-lambda`); it knows only web `Request`/`Response`
 * and the injected ports. Real work happens in the worker.
 *
 * @example
 *   const app = createApp({ config, queue, state, secrets, artifacts, clock, ids, logger });
 *   const res = await app.request('/health');
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const secrets = new IntakeSecrets(deps.secrets, deps.clock, deps.secretTtlMs);
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    const correlationId = deps.ids.next();
    const log = deps.logger.child({ correlationId });
    c.set('correlationId', correlationId);
    c.set('log', log);
    // Before the handler: set afterwards, the header would make @hono/node-server rebuild the finished
    // response as a web Response and stream it, instead of writing the handler's string in one go.
    c.header(CORRELATION_HEADER, correlationId);
    const started = performance.now();
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms }, 'request');
  });

  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.all('/health', methodNotAllowed('GET'));
  app.route('/webhooks/github', githubRoutes(deps, secrets));
  app.route('/webhooks/builds', buildRoutes(deps, secrets));
  app.route('/artifacts', artifactRoutes(deps, secrets));
  app.route('/slack', slackRoutes(deps, secrets));
  app.use(
    '/api/*',
    guardWith(deps.dashboardToken, (token) => apiAccess({ globals: () => secrets.all(), legacyRead: token })),
  );
  // Writes and follow-up reads first: apiRoutes answers any other method with 405.
  app.route('/api', writeRoutes(deps));
  app.route(
    '/api',
    adminRoutes(deps, () => secrets.forget()),
  );
  app.route('/api', consoleRoutes(deps));
  app.route('/api', followRoutes(deps));
  app.route('/api', operatorRoutes(deps));
  app.route('/api', apiRoutes(deps));
  app.route('/', dashboardRoutes(deps));

  app.notFound((c) => problem(c, 404, `no route ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    const log = c.get('log') ?? deps.logger;
    if (error instanceof MissingIntakeSecretError) {
      // A configuration error: loud in the log and in the answer, which names the secret (never a value).
      log.error({ secretName: error.secretName }, error.message);
      return problem(c, 503, `tarmac is not configured: ${error.message}`);
    }
    log.error({ error: errorText(error) }, 'request failed');
    return problem(c, 500, 'internal error — quote the correlation id when reporting it');
  });
  return app;
}
