import { Hono } from 'hono';
import * as z from 'zod';
import { unknownNameMessage } from '../../core/config';
import { TarmacError } from '../../core/errors';
import { requireGrant } from '../api-auth';
import type { AppDeps, AppEnv } from '../deps';
import { problem } from '../responses';
import { readBody } from './write-request';

/**
 * `POST /api/apps/<app>/environments/<env>/console` (a deploy token for that environment): how the client
 * reaches the console of one host — `tarmac serve` answers `websocket` (the client then upgrades
 * `GET …/console`), the webhook Lambda starts a Session Manager session and answers it.
 */
export function consoleRoutes(deps: AppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.post('/apps/:app/environments/:env/console', async (c) => {
    const { app, env } = c.req.param();
    const unknown = unknownNameMessage(deps.config, app, [env]);
    if (unknown) return problem(c, 404, unknown);
    const allowed = requireGrant(c, { write: true, app, env });
    if (!allowed.ok) return allowed.response;
    const body = await readBody(c, z.object({ host: z.string().min(1).max(200).optional() }));
    if (!body.ok) return body.response;
    if (!deps.consoles) return problem(c, 501, 'this server opens no consoles');
    try {
      return c.json(await deps.consoles.open({ app, env, host: body.data.host, by: allowed.grant.name }));
    } catch (error) {
      if (error instanceof TarmacError) return problem(c, 400, error.message);
      throw error;
    }
  });
  // A session the client cannot use (no Session Manager plugin there) is ended, never left to time out.
  routes.delete('/apps/:app/environments/:env/console/:session', async (c) => {
    const { app, env, session } = c.req.param();
    const unknown = unknownNameMessage(deps.config, app, [env]);
    if (unknown) return problem(c, 404, unknown);
    const allowed = requireGrant(c, { write: true, app, env });
    if (!allowed.ok) return allowed.response;
    if (!deps.consoles?.terminate) return problem(c, 404, 'this server keeps no console sessions to end');
    if (!/^[\w.@:-]{1,200}$/.test(session)) return problem(c, 400, `session id "${session}" is not valid`);
    await deps.consoles.terminate(session);
    c.get('log').info({ event: 'console.terminated', session, by: allowed.grant.name }, 'console session ended');
    return c.json({ session, terminated: true });
  });
  return routes;
}
