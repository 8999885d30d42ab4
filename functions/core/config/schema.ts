import * as z from 'zod';
import { databaseSchema } from './database';
import { reservedVariable, secretVariable } from './reserved';
import { environmentNginxSchema, fleetNginxSchema, slotsSchema } from './traffic';

/**
 * The schema of `tarmac.yml`. Unknown keys are rejected everywhere (`z.strictObject`), so a typo is an
 * error, not a silently ignored setting. Names are kept to characters that are safe in unit names, user
 * names, SSM paths and file names.
 */
const name = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, 'must be lowercase letters, digits and dashes, starting with a letter (≤ 31)');

/** Refuse a variable the app may not set (see reserved.ts), saying why. */
const notReserved = (variableOf: (value: string) => string, what: string) => (value: string, ctx: z.RefinementCtx) => {
  const variable = variableOf(value);
  const why = reservedVariable(variable);
  if (why) ctx.addIssue({ code: 'custom', message: `${what} "${value}" would set ${variable}: ${why}` });
};

const envVarName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]*$/, 'must be an UPPER_CASE environment variable name (A-Z, 0-9, _)')
  .superRefine(notReserved((v) => v, 'env key'));
const secretName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be lowercase letters, digits and _ (≤ 63)')
  .superRefine(
    notReserved((v) => (v === 'erlang_cookie' || v === 'secret_key_base' ? '' : secretVariable(v)), 'secret'),
  );

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f]/;
/** One value of `env:`: systemd's Environment= and the bundle's quoting cannot carry control characters. */
const envValue = z
  .string()
  .refine((v) => !CONTROL.test(v), 'must not contain newline, CR, NUL or other control characters');

/** A host name: dot-separated labels of a-z, 0-9 and inner dashes, each ≤ 63, in all ≤ 253. */
const hostName = z
  .string()
  .max(253, 'must be a host name of at most 253 characters')
  .regex(
    /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/,
    'must be a host name: lowercase labels of a-z, 0-9 and inner dashes, separated by single dots',
  );

/**
 * A clean URL path for the health check: starts with one /, then RFC 3986 path characters (and an
 * optional query); no `.`/`..` segments, `//`, `\`, `#`, spaces or control characters.
 */
const healthPath = z
  .string()
  .regex(
    /^\/(?!\/)(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*(?:\?(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?$/,
    "must be a URL path such as /health (letters, digits, - . _ ~ / and %XX; no spaces, '#', '\\' or '//')",
  )
  .refine((p) => !/(^|\/)\.{1,2}(\/|\?|$)/.test(p), 'must not contain "." or ".." segments')
  .refine((p) => !p.split('?')[0]?.includes('//'), 'must not contain "//"');

const batchedType = z.enum(['one-at-a-time', 'half', 'all']);
/** Hosts that must stay healthy during the rollout: a count (`1`) or a percentage (`"50%"`). */
const minHealthyHosts = z.union([z.int().min(0), z.string().regex(/^\d{1,3}%$/, 'must look like "50%"')]);

/** A rollout in batches: by name, or `{ type, min_healthy_hosts }`. */
export const batchedStrategySchema = z.union([
  batchedType,
  z.strictObject({ type: batchedType, min_healthy_hosts: minHealthyHosts.optional() }),
]);

/** Longest bake: ValidateService bakes, and CodeDeploy gives one lifecycle event at most 3600 s. */
export const MAX_BAKE_SECONDS = 3000;

/**
 * `{ type: canary, hosts: 1, bake: 300, rest: one-at-a-time }`: deploy `hosts` hosts first, keep checking
 * their health for `bake` seconds, then the other hosts with the `rest` strategy. `alarms` (AWS) are
 * CloudWatch alarm names that stop and roll back the deployment while it runs, the bake included.
 */
export const canaryStrategySchema = z.strictObject({
  type: z.literal('canary'),
  hosts: z.int().min(1).max(100).default(1),
  bake: z.int().min(1).max(MAX_BAKE_SECONDS),
  rest: batchedStrategySchema.default('one-at-a-time'),
  alarms: z
    .array(
      z
        .string()
        .min(1)
        .max(255, 'must be a CloudWatch alarm name of at most 255 characters')
        .refine((v) => !CONTROL.test(v), 'must not contain control characters'),
    )
    .max(9, "CodeDeploy watches at most 10 alarms per deployment group, one is tarmac's own")
    .default([]),
});

export const strategySchema = z.union([batchedStrategySchema, canaryStrategySchema]);

/**
 * What a fleet's hosts offer a release, declared for fleets tarmac cannot ask (AWS): deploys of a release
 * that needs another architecture, a newer glibc or another OTP are refused before anything is stopped.
 */
export const platformSchema = z.strictObject({
  /** `uname -m` of the hosts: `x86_64`, `aarch64`, … */
  arch: z
    .string()
    .regex(/^[a-z][a-z0-9_]{1,31}$/, 'must be an architecture as uname -m prints it, e.g. x86_64 or aarch64'),
  libc: z.enum(['glibc', 'musl']).default('glibc'),
  /** A quoted string: `2.40` as a YAML number would read 2.4. */
  glibc: z
    .string({ error: 'must be a quoted version string such as "2.36" (as a number, 2.40 would read 2.4)' })
    .regex(/^\d+\.\d+$/, 'must look like "2.36"')
    .optional(),
  /** OTP major release of the Erlang installed on the hosts (only releases without ERTS need it). */
  otp: z
    .union([z.int().min(17).max(99), z.string().regex(/^\d{2}$/, 'must be an OTP major release such as 27')])
    .transform(String)
    .optional(),
});

/**
 * `user@host` (or `host`, user root) of a server reached over SSH. The host is a DNS name, an IPv4 address
 * or a bracketed IPv6 one; nothing may start with `-`, so an address can never become an ssh option.
 */
const sshAddress = z
  .string()
  .regex(
    /^(?:[a-z_][a-z0-9_-]{0,31}@)?(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])$/,
    'must be user@host (or host): a user of a-z, 0-9, _ and -, a DNS name, IPv4 or [IPv6] address',
  );

/** One server of a fleet reached with the system's OpenSSH client. */
export const sshHostSchema = z.strictObject({
  /** `deploy@10.0.0.5`; a user other than root runs hooks with `sudo -n`. */
  address: sshAddress,
  port: z.int().min(1).max(65535).default(22),
  /** Private key file (`~/` is the home of the user running tarmac). Omitted: the SSH agent (SSH_AUTH_SOCK). */
  identity_file: z
    .string()
    .min(1)
    .refine((v) => !v.startsWith('-') && !CONTROL.test(v), 'must be a file path without control characters')
    .optional(),
});

export const fleetSchema = z.strictObject({
  /** Host names: local test hosts (`h1`, from `tarmac hosts up`) and the names of the `ssh:` servers. */
  hosts: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a host name')).default([]),
  /** Servers reached over SSH, by their name in `hosts`. A name not listed here is a local test host. */
  ssh: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a host name'), sshHostSchema).default({}),
  /** AWS mode: EC2 instances carrying all of these tags form the fleet. */
  ec2_tags: z.record(z.string().min(1), z.string().min(1)).optional(),
  /** What the hosts offer a release (see platformSchema). Local hosts report theirs; declared, it applies to all. */
  platform: platformSchema.optional(),
  /** nginx in front of every instance of the fleet (see ./traffic.ts). */
  nginx: fleetNginxSchema.optional(),
});

export const environmentSchema = z.strictObject({
  port: z.int().min(1024).max(65535),
  domain: hostName.optional(),
  /** Pushes (and builds) of this branch deploy here continuously. */
  branch: z.string().min(1).optional(),
  /** Local (a name, or `{ name }`) or external (`{ host, port, name, user }`); see ./database.ts. */
  database: databaseSchema.optional(),
  /** Secrets beyond the generated erlang_cookie and secret_key_base, e.g. `database_password`. */
  secrets: z.array(secretName).default([]),
  health: z
    .strictObject({
      path: healthPath.default('/health'),
      timeout: z.int().min(1).max(3600).default(60),
    })
    .default({ path: '/health', timeout: 60 }),
  /** Who may drive this environment from Slack. Omitted: anyone in the workspace. */
  chat: z
    .strictObject({
      users: z.array(z.string().min(1)).default([]),
      channels: z.array(z.string().min(1)).default([]),
    })
    .optional(),
  /** Extra non-secret environment for the service. */
  env: z.record(envVarName, envValue).default({}),
  /** nginx in front of this instance: a vhost for its domain (see ./traffic.ts). */
  nginx: environmentNginxSchema.optional(),
  /** Blue/green slots: deploys start the idle slot and switch nginx to it once healthy. Needs nginx. */
  slots: slotsSchema.optional(),
});

export const appSchema = z.strictObject({
  /** GitHub full name, `owner/repo`. */
  repo: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be a GitHub full name like owner/repo'),
  /** The OTP release name: the tarball holds `bin/<release>`. */
  release: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be an OTP release name (lowercase, digits, _)'),
  /** Elixir expression run once per deployment with `bin/<release> eval`, e.g. `Hello.Release.migrate()`. */
  migrate: z.string().min(1).optional(),
  fleet: name,
  strategy: strategySchema.default('one-at-a-time'),
  keep_releases: z.int().min(2).max(100).default(5),
  environments: z.record(name, environmentSchema).refine((envs) => Object.keys(envs).length > 0, {
    message: 'must define at least one environment',
  }),
});

export const configSchema = z.strictObject({
  fleets: z.record(name, fleetSchema),
  apps: z.record(name, appSchema),
});

export type TarmacConfig = z.infer<typeof configSchema>;
export type AppConfig = z.infer<typeof appSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type FleetConfig = z.infer<typeof fleetSchema>;
export type SshHostConfig = z.infer<typeof sshHostSchema>;
export type StrategyConfig = z.infer<typeof strategySchema>;
export type BatchedStrategyConfig = z.infer<typeof batchedStrategySchema>;
export type CanaryStrategyConfig = z.infer<typeof canaryStrategySchema>;
export type PlatformConfig = z.infer<typeof platformSchema>;

/** JSON Schema of `tarmac.yml`, for editors (`tarmac config schema`). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input' });
}
