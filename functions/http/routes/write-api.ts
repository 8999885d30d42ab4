import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import * as z from 'zod';
import { unknownNameMessage } from '../../core/config';
import type { AppDeps, AppEnv } from '../deps';
import { problem, tooLarge } from '../responses';
import { type MakeJob, queue } from './write-request';

const MAX_BODY = 16 * 1024;
const reason = z.string().trim().min(1).max(500);

/**
 * The write API (`/api`, a deploy token): every operation the CLI runs, queued as the same job a local
 * command queues, so its outcome and messages are the same. Each request carries an `Idempotency-Key`
 * (a retried POST queues nothing twice and answers the same job); the answer is 202 with the job's key,
 * which `GET /api/jobs/<key>` follows.
 */
export function writeRoutes(deps: AppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.use('*', bodyLimit({ maxSize: MAX_BODY, onError: tooLarge(MAX_BODY) }));
  const env = '/apps/:app/environments/:env';

  routes.post(`${env}/deploy`, (c) =>
    accept(c, deps, z.object({ version: z.string().min(1).max(200).optional() }), (base, who, b) => ({
      ...base,
      type: 'deploy',
      env: c.req.param('env'),
      ...(b.version ? { ref: b.version } : {}),
      trigger: 'api', // through the write API (`--server`), not a local CLI run
      requestedBy: who,
    })),
  );
  routes.post(`${env}/rollback`, (c) =>
    accept(c, deps, z.object({}), (base, who) => ({
      ...base,
      type: 'rollback',
      env: c.req.param('env'),
      requestedBy: who,
    })),
  );
  routes.post(`${env}/promote`, (c) =>
    accept(
      c,
      deps,
      z.object({ from: z.string().min(1) }),
      (base, who, b) => ({
        ...base,
        type: 'promote',
        from: b.from,
        to: c.req.param('env'),
        requestedBy: who,
      }),
      (b) => [b.from],
    ),
  );
  routes.put(`${env}/lock`, (c) =>
    accept(c, deps, z.object({ reason }), (base, who, b) => ({
      ...base,
      type: 'lock',
      env: c.req.param('env'),
      reason: b.reason,
      by: who,
    })),
  );
  routes.delete(`${env}/lock`, (c) =>
    accept(c, deps, z.object({}), (base, who) => ({ ...base, type: 'unlock', env: c.req.param('env'), by: who })),
  );
  routes.post(`${env}/abort`, (c) =>
    accept(c, deps, z.object({ reason: reason.optional() }), (base, who, b) => ({
      ...base,
      type: 'abort',
      env: c.req.param('env'),
      by: who,
      ...(b.reason ? { reason: b.reason } : {}),
    })),
  );
  routes.post(`${env}/maintenance`, (c) =>
    accept(c, deps, z.object({ on: z.boolean(), reason: reason.optional() }), (base, who, b) => ({
      ...base,
      type: 'maintenance',
      env: c.req.param('env'),
      on: b.on,
      by: who,
      ...(b.reason ? { reason: b.reason } : {}),
    })),
  );
  routes.post('/fleets/:fleet/free', (c) => freeFleet(c, deps));
  return routes;
}

async function accept<B>(
  c: Context<AppEnv>,
  deps: AppDeps,
  schema: z.ZodType<B>,
  make: MakeJob<B>,
  otherEnvs: (body: B) => string[] = () => [],
): Promise<Response> {
  const { app, env } = c.req.param() as { app: string; env: string };
  const unknown = unknownNameMessage(deps.config, app, [env]);
  if (unknown) return problem(c, 404, unknown);
  return queue(
    c,
    deps,
    { write: true, app, env },
    schema,
    (body) => {
      const more = otherEnvs(body);
      return unknownNameMessage(deps.config, app, more);
    },
    (base, who, body) => make({ ...base, app }, who, body),
  );
}

async function freeFleet(c: Context<AppEnv>, deps: AppDeps): Promise<Response> {
  const fleet = c.req.param('fleet') as string;
  if (!Object.hasOwn(deps.config.fleets, fleet)) {
    return problem(c, 404, `unknown fleet "${fleet}" — known: ${Object.keys(deps.config.fleets).join(', ')}`);
  }
  const app = Object.entries(deps.config.apps).find(([, a]) => a.fleet === fleet)?.[0];
  if (!app) return problem(c, 409, `fleet ${fleet} runs no app — there is nothing to free`);
  const schema = z.object({ reason, force: z.boolean().default(false) });
  return queue(
    c,
    deps,
    { write: true },
    schema,
    () => undefined,
    (base, who, b) => ({
      ...base,
      app,
      type: 'fleet-free',
      fleet,
      by: who,
      reason: b.reason,
      force: b.force,
    }),
  );
}
