import type { Context } from 'hono';
import { Hono } from 'hono';
import * as z from 'zod';
import { instanceOf, unknownNameMessage } from '../../core/config';
import { TarmacError } from '../../core/errors';
import { assertSecretRef, GLOBAL_SCOPE } from '../../core/secrets';
import { TOKEN_SCOPES, TOKEN_SECRET_PREFIX } from '../../core/tokens';
import { initSecretsReport } from '../../state/secrets';
import { issueToken, listTokens, revokeToken } from '../../state/tokens';
import { requireGrant } from '../api-auth';
import type { AppDeps, AppEnv } from '../deps';
import { problem } from '../responses';
import { readBody } from './write-request';

const scope = z.string().min(1).max(200);
const name = z.string().min(1).max(200);

/**
 * The admin API (`/api/secrets`, `/api/tokens`, an admin token): the server's own secret store, so
 * `tarmac secrets` and `tarmac tokens` with `--server` change the store the server reads. A secret's value
 * travels only in a request body (never in a URL, and the request log has method, path and status only) and
 * no answer ever carries one. `changed` is called after every write: the server's cached `_global`
 * secrets (where tokens are looked up) are dropped, so a new or revoked token counts at once on this server.
 */
export function adminRoutes(deps: AppDeps, changed: () => void): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const admin = (c: Context<AppEnv>) => requireGrant(c, { write: true, admin: true });

  routes.get('/secrets', async (c) => {
    const allowed = admin(c);
    if (!allowed.ok) return allowed.response;
    const which = c.req.query('scope') ?? '';
    const bad = badScope(deps, which);
    if (bad) return problem(c, bad.status, bad.message);
    return c.json({ scope: which, names: await deps.secrets.listNames(which) });
  });

  routes.put('/secrets', async (c) => {
    const allowed = admin(c);
    if (!allowed.ok) return allowed.response;
    const body = await readBody(c, z.object({ scope, name, value: z.string().min(1).max(8192) }));
    if (!body.ok) return body.response;
    const { scope: where, name: what, value } = body.data;
    const bad = badScope(deps, where) ?? badName(where, what);
    if (bad) return problem(c, bad.status, bad.message);
    await deps.secrets.set(where, what, value);
    changed();
    c.get('log').info({ event: 'secret.set', scope: where, name: what, by: allowed.grant.name }, 'secret set');
    return c.json({ scope: where, name: what });
  });

  routes.post('/secrets/init', async (c) => {
    const allowed = admin(c);
    if (!allowed.ok) return allowed.response;
    const body = await readBody(c, z.object({ app: name, env: name }));
    if (!body.ok) return body.response;
    const unknown = unknownNameMessage(deps.config, body.data.app, [body.data.env]);
    if (unknown) return problem(c, 404, unknown);
    const report = await initSecretsReport(deps.secrets, instanceOf(deps.config, body.data.app, body.data.env));
    const log = { event: 'secrets.init', scope: report.scope, created: report.created, by: allowed.grant.name };
    c.get('log').info(log, 'secrets init');
    return c.json(report);
  });

  routes.get('/tokens', async (c) => {
    const allowed = admin(c);
    if (!allowed.ok) return allowed.response;
    return c.json({ tokens: await listTokens(deps.secrets) });
  });

  routes.post('/tokens', async (c) => {
    const allowed = admin(c);
    if (!allowed.ok) return allowed.response;
    const schema = z.object({ name, scope: z.enum(TOKEN_SCOPES), environments: z.array(z.string()).default([]) });
    const body = await readBody(c, schema);
    if (!body.ok) return body.response;
    return refusing(c, async () => {
      const token = await issueToken(deps.secrets, deps.clock, body.data);
      changed();
      c.get('log').info({ event: 'token.created', name: body.data.name, by: allowed.grant.name }, 'token created');
      return c.json({ token }, 201);
    });
  });

  routes.delete('/tokens/:name', async (c) => {
    const allowed = admin(c);
    if (!allowed.ok) return allowed.response;
    const which = c.req.param('name');
    return refusing(c, async () => {
      await revokeToken(deps.secrets, deps.clock, which);
      changed();
      c.get('log').info({ event: 'token.revoked', name: which, by: allowed.grant.name }, 'token revoked');
      return c.json({ name: which, revoked: true });
    });
  });
  return routes;
}

/** A scope the server has no instance for (or a malformed one), as an answer. */
function badScope(deps: AppDeps, which: string): { status: 400 | 404; message: string } | undefined {
  if (which === GLOBAL_SCOPE) return undefined;
  const [app, env, ...rest] = which.split('/');
  if (!app || !env || rest.length > 0) {
    return { status: 400, message: `secret scope "${which}" is not valid — use <app>/<env> or _global` };
  }
  const unknown = unknownNameMessage(deps.config, app, [env]);
  return unknown ? { status: 404, message: unknown } : undefined;
}

/** Names the secret commands may not write: malformed ones, and token records (tarmac tokens owns them). */
function badName(where: string, what: string): { status: 400; message: string } | undefined {
  try {
    assertSecretRef(where, what);
  } catch (error) {
    return { status: 400, message: (error as Error).message };
  }
  if (where === GLOBAL_SCOPE && what.startsWith(TOKEN_SECRET_PREFIX)) {
    return { status: 400, message: `_global/${what} is a token record — use tarmac tokens create|revoke` };
  }
  return undefined;
}

/** A refusal of the token functions (a name taken, unknown, malformed) answers 400 with its message. */
async function refusing(c: Context<AppEnv>, run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TarmacError) return problem(c, 400, error.message);
    throw error;
  }
}
