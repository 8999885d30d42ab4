import * as z from 'zod';

/**
 * The `database` of an environment. Two kinds:
 * - local: tarmac provisions a PostgreSQL role (the instance's system user) and a database it owns on the
 *   PostgreSQL server of every host the instance runs on, reached over the Unix socket with peer
 *   authentication (no password). Written as a name (`database: hello_staging`, the old form) or as
 *   `{ name }` (`{}` takes the default name `<app>_<env>`).
 * - external: `{ host, port, name, user }`; tarmac provisions nothing, and the password is the instance's
 *   `database_password` secret, which reaches the service only as a credential.
 * Omitted: the instance has no database.
 */
const identifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a PostgreSQL name (lowercase letters, digits, _; ≤ 63)');

const databaseObject = z
  .strictObject({
    /** Database name; local default `<app>_<env>`. */
    name: identifier.optional(),
    /** External only: host name, IP address, or a Unix socket directory (absolute path). */
    host: z
      .string()
      .regex(
        /^([A-Za-z0-9][A-Za-z0-9.:-]*|\/[A-Za-z0-9._/-]+)$/,
        'must be a host name, an IP address or a socket directory',
      )
      .optional(),
    /** External only. @default 5432 */
    port: z.int().min(1).max(65535).optional(),
    /** External only: the role the app logs in as. */
    user: identifier.optional(),
  })
  .superRefine((db, ctx) => {
    if (db.host === undefined) {
      for (const key of ['port', 'user'] as const) {
        if (db[key] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `${key} is only for an external database — add host: (external) or remove ${key}: (local: tarmac's role is the instance's system user)`,
          });
      }
      return;
    }
    for (const key of ['name', 'user'] as const) {
      if (db[key] === undefined)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `an external database (host: ${db.host}) needs ${key}: too`,
        });
    }
  });

export const databaseSchema = z.union([identifier, databaseObject]);
export type DatabaseConfig = z.infer<typeof databaseSchema>;

/** The secret that holds an external database's password; the service gets it as `DATABASE_PASSWORD`. */
export const DATABASE_PASSWORD_SECRET = 'database_password';
/** Where a local database's server listens (Debian's default socket directory). */
export const LOCAL_SOCKET_DIR = '/run/postgresql';

/** An instance's database, resolved. */
export type Database =
  | { readonly kind: 'local'; readonly name: string; readonly user: string }
  | {
      readonly kind: 'external';
      readonly host: string;
      readonly port: number;
      readonly name: string;
      readonly user: string;
    };

/** Resolve the configured database (undefined: none). `defaultName` is `<app>_<env>`, `role` the system user. */
export function resolveDatabase(
  config: DatabaseConfig | undefined,
  defaultName: string,
  role: string,
): Database | undefined {
  if (config === undefined) return undefined;
  if (typeof config === 'string') return { kind: 'local', name: config, user: role };
  if (config.host === undefined) return { kind: 'local', name: config.name ?? defaultName, user: role };
  return {
    kind: 'external',
    host: config.host,
    port: config.port ?? 5432,
    name: config.name ?? defaultName,
    user: config.user ?? role,
  };
}

/** What must be unique per server: the database name, qualified by the server when it is external. */
export function databaseOnServer(db: Database | undefined): string | undefined {
  if (!db) return undefined;
  return db.kind === 'local' ? db.name : `${db.name} on ${db.host}:${db.port}`;
}

/** The service's `DATABASE_*` environment (never the password: that is a credential). */
export function databaseEnvironment(db: Database | undefined): [string, string][] {
  if (!db) return [];
  if (db.kind === 'local')
    return [
      ['DATABASE_HOST', LOCAL_SOCKET_DIR],
      ['DATABASE_NAME', db.name],
      ['DATABASE_USER', db.user],
    ];
  return [
    ['DATABASE_HOST', db.host],
    ['DATABASE_PORT', String(db.port)],
    ['DATABASE_NAME', db.name],
    ['DATABASE_USER', db.user],
  ];
}
