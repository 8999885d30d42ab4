import type { MiddlewareHandler } from 'hono';
import { permits, refusalOf, type TokenGrant, type TokenNeed } from '../core/tokens';
import { hasNamedTokens, verifyToken } from '../state/token-check';
import type { AppEnv } from './deps';
import { problem } from './responses';

/** Who reads an open `/api` (no token of any kind configured: local mode on loopback). */
const ANONYMOUS: TokenGrant = { name: 'anonymous', scope: 'read', environments: [], shared: true };

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Secrets and tokens: never open, whatever the method (the admin API, `routes/admin-api.ts`). */
const ADMIN_PATHS = /^\/api\/(secrets|tokens)(\/|$)/;
/** A console (`GET …/console`, upgraded to a WebSocket) changes what runs: it needs a deploy token too. */
const CONSOLE_PATH = /^\/api\/apps\/[^/]+\/environments\/[^/]+\/console$/;

/**
 * `/api/*` authentication: `Authorization: Bearer <token>` — a named token (`tarmac tokens create`) or the
 * shared read token. Reads are open only while no token of any kind is configured; writes always need a
 * deploy token (a browser on the same machine must never be able to start a deploy). The grant is set on
 * the context for {@link requireGrant}; a missing or wrong token gets a JSON 401 that says what to send.
 * Secrets and tokens (`/api/secrets`, `/api/tokens`) always need an admin token, reads included.
 */
export function apiAccess(options: {
  /** The `_global` secrets (cached per process: a new or revoked token takes effect within that TTL). */
  readonly globals: () => Promise<Readonly<Record<string, string>>>;
  /** The shared dashboard/read token, when configured. */
  readonly legacyRead: string | undefined;
}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
    const globals = await options.globals();
    const writes = WRITE_METHODS.has(c.req.method) || CONSOLE_PATH.test(c.req.path);
    const admin = ADMIN_PATHS.test(c.req.path);
    if (bearer !== undefined) {
      const grant = verifyToken(globals, bearer, options.legacyRead);
      if (grant) {
        c.set('grant', grant);
        return next();
      }
    } else if (!writes && !admin && options.legacyRead === undefined && !hasNamedTokens(globals)) {
      c.set('grant', ANONYMOUS);
      return next();
    }
    c.header('WWW-Authenticate', 'Bearer realm="tarmac api"');
    const what = admin ? 'an admin token' : writes ? 'a deploy token' : 'a token';
    const given = bearer === undefined ? 'none was sent' : 'the one sent is not valid (or was revoked)';
    return problem(
      c,
      401,
      `${what} is required and ${given} — send Authorization: Bearer <token> (tarmac: set TARMAC_TOKEN; create one with tarmac tokens create <name> --scope ${admin ? 'admin' : 'deploy'})`,
    );
  };
}

/** 403 unless the request's grant allows `need`; otherwise the grant (its name is the requester). */
export function requireGrant(
  c: Parameters<MiddlewareHandler<AppEnv>>[0],
  need: TokenNeed,
): { ok: true; grant: TokenGrant } | { ok: false; response: Response } {
  const grant = c.get('grant');
  if (grant && permits(grant, need)) return { ok: true, grant };
  const message = grant ? refusalOf(grant, need) : 'no token — send Authorization: Bearer <token>';
  return { ok: false, response: problem(c, 403, message) };
}
