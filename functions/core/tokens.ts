import * as z from 'zod';
import { TarmacError } from './errors';

/**
 * API tokens: named, scoped bearer tokens for the intake's `/api` (read and write). A token is shown once as
 * `tarmac.<name>.<secret>`; the secret store keeps only the secret's sha256 with the grant, under
 * `_global/token_<name>`. The name is who asked: it becomes `requestedBy` / `by` in history and locks.
 */
export type TokenScope = 'read' | 'deploy' | 'admin';

/** Every scope, weakest first: each one allows what the ones before it allow. */
export const TOKEN_SCOPES: readonly TokenScope[] = ['read', 'deploy', 'admin'];

export interface TokenGrant {
  readonly name: string;
  readonly scope: TokenScope;
  /** Environments a deploy token may change, `app/env` or `app/*`; empty: every environment. */
  readonly environments: readonly string[];
  /** Not a named token: the shared dashboard token, or nobody (an open local `/api`). Never reads logs. */
  readonly shared?: true;
}

/**
 * What a request needs: any token reads; a write needs a deploy token covering `app/env` (when named); an
 * admin request (secrets, tokens) needs an admin token, which is never limited to environments.
 */
export interface TokenNeed {
  readonly write: boolean;
  readonly admin?: boolean;
  readonly app?: string;
  readonly env?: string;
  /**
   * A read of what hosts print (`logs`): a named token (read or deploy) whose environments cover `app/env` —
   * never the shared dashboard token or an open `/api`, since a journal says more than the dashboard does.
   */
  readonly hostOutput?: boolean;
}

const NAME = /^[a-z][a-z0-9_]{0,39}$/;
const PATTERN = /^[a-z][a-z0-9-]*\/([a-z][a-z0-9-]*|\*)$/;
export const TOKEN_SECRET_PREFIX = 'token_';

/** The stored form (JSON, the secret's value): never the token itself. */
export const storedTokenSchema = z.union([
  z.strictObject({
    v: z.literal(1),
    scope: z.enum(['read', 'deploy', 'admin']),
    environments: z.array(z.string().regex(PATTERN)),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    createdAt: z.string(),
  }),
  z.strictObject({ v: z.literal(1), revokedAt: z.string() }),
]);
export type StoredToken = z.infer<typeof storedTokenSchema>;

/** Refuse a token name the secret store could not hold, naming the rule. */
export function assertTokenName(name: string): void {
  if (!NAME.test(name)) {
    throw new TarmacError(
      `token name "${name}" is not valid — lowercase letters, digits and _, starting with a letter (≤ 40), e.g. ci_deploy`,
      { name },
    );
  }
}

/** Refuse an environment pattern that is not `app/env` or `app/*`. */
export function assertEnvironmentPattern(pattern: string): void {
  if (!PATTERN.test(pattern)) {
    throw new TarmacError(`environment "${pattern}" is not valid for a token — use <app>/<env> or <app>/*`, {
      pattern,
    });
  }
}

export const tokenSecretName = (name: string) => `${TOKEN_SECRET_PREFIX}${name}`;

/** The token text handed to its holder once. */
export const formatToken = (name: string, secret: string) => `tarmac.${name}.${secret}`;

/** Name and secret of a presented token, or undefined when it is not in tarmac's format. */
export function splitToken(text: string): { name: string; secret: string } | undefined {
  const match = /^tarmac\.([a-z][a-z0-9_]{0,39})\.([A-Za-z0-9_-]{16,128})$/.exec(text);
  return match ? { name: match[1] as string, secret: match[2] as string } : undefined;
}

/** Whether the grant allows what the request needs. */
export function permits(grant: TokenGrant, need: TokenNeed): boolean {
  if (grant.scope === 'admin') return true;
  if (need.admin) return false;
  if (need.hostOutput) return !grant.shared && covers(grant, need);
  if (!need.write) return true;
  if (grant.scope !== 'deploy') return false;
  return covers(grant, need);
}

/** Whether the grant's environments (none: all) include the one the request names. */
function covers(grant: TokenGrant, need: TokenNeed): boolean {
  if (grant.environments.length === 0) return true;
  if (need.app === undefined) return false; // fleet-wide writes need a token for every environment
  return grant.environments.some((p) => p === `${need.app}/${need.env}` || p === `${need.app}/*`);
}

/** Why a grant does not allow a request, and what would. */
export function refusalOf(grant: TokenGrant, need: TokenNeed): string {
  if (need.admin) {
    return `token "${grant.name}" is a ${grant.scope} token — secrets and tokens need an admin token (tarmac tokens create <name> --scope admin, run where the secret store is: locally or with --aws)`;
  }
  if (need.hostOutput && grant.shared) {
    return `what hosts print (logs of ${need.app}/${need.env}) needs a named token, not ${grant.name === 'anonymous' ? 'none' : 'the shared dashboard token'} — tarmac tokens create <name> --scope read, then set TARMAC_TOKEN`;
  }
  if (!need.hostOutput && grant.scope !== 'deploy') {
    return `token "${grant.name}" is a read token — this request changes state and needs a deploy token (tarmac tokens create <name> --scope deploy)`;
  }
  const what = need.app === undefined ? 'fleet-wide requests' : `${need.app}/${need.env}`;
  const may = need.hostOutput ? 'read the logs of' : 'change';
  return `token "${grant.name}" may ${may} only ${grant.environments.join(', ')} — not ${what}`;
}
