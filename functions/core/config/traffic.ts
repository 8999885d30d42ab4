import * as z from 'zod';

/**
 * Traffic settings: nginx in front of an instance (one vhost per instance, `server_name` its domain), and
 * blue/green slots for deploys without downtime. Kept in their own keys (`fleets.<f>.nginx`,
 * `environments.<env>.nginx`, `environments.<env>.slots`) and resolved here into what the bundle needs.
 */

/** An absolute file path nginx can read, without spaces, quotes, `;` or `..` (it goes into nginx's config). */
const nginxPath = z
  .string()
  .regex(/^\/[A-Za-z0-9._/@+-]+$/, 'must be an absolute path of letters, digits and . _ / @ + - (no spaces or ;)')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".." segments');

const listen = z.int().min(1).max(65535);

export const tlsSchema = z.strictObject({
  /** PEM certificate chain on the host (ACME issuance is out of scope: put the files there yourself). */
  certificate: nginxPath,
  /** PEM private key on the host, readable by nginx's master (root). */
  key: nginxPath,
  /** @default 443 */
  listen: listen.default(443),
});

/** `fleets.<f>.nginx`: enable nginx for every instance of the fleet (an environment may still say `false`). */
export const fleetNginxSchema = z.union([z.boolean(), z.strictObject({ listen: listen.default(80) })]);

/** The page nginx answers with (503) while an instance is in maintenance. */
const maintenancePage = z
  .string()
  .min(1)
  .max(65_536, 'must be at most 64 KiB of HTML')
  .refine((page) => !page.includes('\u0000'), 'must not contain NUL');

/** `environments.<env>.nginx`: `true`/`false`, or settings (which enable it). */
export const environmentNginxSchema = z.union([
  z.boolean(),
  z.strictObject({
    /** Plain HTTP port of the vhost. @default 80 (or the fleet's) */
    listen: listen.optional(),
    tls: tlsSchema.optional(),
    /** HTML answered with 503 during maintenance. @default a short built-in page */
    maintenance_page: maintenancePage.optional(),
  }),
]);

/** `environments.<env>.slots`: blue runs on `port`, green on `green_port`; nginx is switched between them. */
export const slotsSchema = z.strictObject({
  green_port: z.int().min(1024).max(65535),
  /** Seconds the old slot keeps running (finishing its requests and websockets) after the switch. @default 10 */
  drain: z.int().min(0).max(3600).default(10),
});

export interface Nginx {
  readonly listen: number;
  readonly tls: { readonly certificate: string; readonly key: string; readonly listen: number } | undefined;
  readonly maintenancePage: string | undefined;
}

export interface Slot {
  readonly name: 'blue' | 'green';
  readonly port: number;
}

export interface Slots {
  readonly blue: Slot;
  readonly green: Slot;
  readonly drain: number;
}

type FleetNginx = z.infer<typeof fleetNginxSchema> | undefined;
type EnvNginx = z.infer<typeof environmentNginxSchema> | undefined;

/** nginx for an instance: the environment's setting wins over the fleet's; undefined when off. */
export function resolveNginx(fleet: FleetNginx, env: EnvNginx): Nginx | undefined {
  if (env === false || (env === undefined && !fleet)) return undefined;
  const fleetListen = typeof fleet === 'object' ? fleet.listen : 80;
  const settings = typeof env === 'object' ? env : {};
  return {
    listen: settings.listen ?? fleetListen,
    tls: settings.tls,
    maintenancePage: settings.maintenance_page,
  };
}

export function resolveSlots(port: number, slots: z.infer<typeof slotsSchema> | undefined): Slots | undefined {
  if (!slots) return undefined;
  return { blue: { name: 'blue', port }, green: { name: 'green', port: slots.green_port }, drain: slots.drain };
}
