import { randomBytes } from 'node:crypto';
import { upgradeWebSocket } from '@hono/node-server';
import type { Context, Hono, Next } from 'hono';
import type { WSContext } from 'hono/ws';
import * as pty from 'node-pty';
import { releaseCommandArgv } from '../bundle/operator-commands';
import { instanceOf, unknownNameMessage } from '../core/config';
import type { Instance } from '../core/config/instances';
import type { TarmacConfig } from '../core/config/schema';
import { parseConsoleControl } from '../core/console-protocol';
import type { Hosts } from '../hosts/manager';
import { requireGrant } from '../http/api-auth';
import type { AppEnv } from '../http/deps';
import { problem } from '../http/responses';
import type { Logger } from '../log';
import type { StateStore } from '../ports';
import { type AccessRecord, finishAccess, recordAccess } from '../state/access';
import { fleetHost } from './console-hosts';

export const CONSOLE_PATH = '/api/apps/:app/environments/:env/console';

export interface ConsoleDeps {
  readonly config: TarmacConfig;
  readonly hosts: Hosts;
  readonly state: StateStore;
  readonly logger: Logger;
}

/**
 * `tarmac console --server` on `tarmac serve`: `GET …/console?host=H&cols=C&rows=R`, upgraded to a WebSocket
 * after the usual `/api` authentication and a deploy grant for that environment. The server runs the same
 * console a local run does (`bin/<release> remote` in a transient unit as the service's user) under a
 * pseudo-terminal of its own and relays bytes both ways: binary frames are terminal bytes, text frames are
 * control (`{"resize":{cols,rows}}` in, `{"exit":code}` out). Audited before and after with the token's name
 * as `by`. The stream is not redacted: it is the operator's own shell.
 */
export function consoleRoute(app: Hono<AppEnv>, deps: ConsoleDeps): void {
  app.get(
    CONSOLE_PATH,
    (c, next) => check(c, next, deps),
    upgradeWebSocket((c) => sessionEvents(c, deps)),
  );
}

/** Refuse before the upgrade (a plain JSON answer): unknown names, a weak grant, a host not in the fleet. */
async function check(c: Context<AppEnv>, next: Next, deps: ConsoleDeps) {
  const { app, env } = c.req.param() as { app: string; env: string };
  const unknown = unknownNameMessage(deps.config, app, [env]);
  if (unknown) return problem(c, 404, unknown);
  const allowed = requireGrant(c, { write: true, app, env });
  if (!allowed.ok) return allowed.response;
  try {
    fleetHost(instanceOf(deps.config, app, env), c.req.query('host'));
  } catch (error) {
    return problem(c, 400, (error as Error).message);
  }
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    return problem(c, 426, 'tarmac console --server speaks WebSocket: send an Upgrade: websocket request');
  }
  return next();
}

function sessionEvents(c: Context<AppEnv>, deps: ConsoleDeps) {
  const { app, env } = c.req.param() as { app: string; env: string };
  const instance = instanceOf(deps.config, app, env);
  const host = fleetHost(instance, c.req.query('host'));
  const size = { cols: dimension(c.req.query('cols'), 80), rows: dimension(c.req.query('rows'), 24) };
  const by = c.get('grant').name;
  let session: Promise<pty.IPty | undefined> | undefined;
  return {
    onOpen: (_event: Event, ws: WSContext) => {
      session = start({ deps, instance, host, by, size, ws });
    },
    onMessage: async (event: MessageEvent, _ws: WSContext) => {
      const term = await session;
      if (!term) return;
      if (typeof event.data === 'string') {
        const control = parseConsoleControl(event.data);
        if (control?.resize) term.resize(control.resize.cols, control.resize.rows);
      } else {
        term.write(Buffer.from(event.data as ArrayBuffer));
      }
    },
    onClose: async () => {
      // The client went away (Ctrl-C on its side, a dropped link): hang up the host side too.
      (await session)?.kill('SIGHUP');
    },
  };
}

async function start(s: {
  deps: ConsoleDeps;
  instance: Instance;
  host: string;
  by: string;
  size: { cols: number; rows: number };
  ws: WSContext;
}): Promise<pty.IPty | undefined> {
  const { deps, instance, host, ws } = s;
  const id = randomBytes(4).toString('hex');
  const record: AccessRecord = {
    id,
    app: instance.app,
    env: instance.env,
    host,
    kind: 'console',
    by: s.by,
    at: new Date().toISOString(),
    via: 'server',
  };
  const log = deps.logger.child({ correlationId: id, app: instance.app, env: instance.env, host, kind: 'console' });
  try {
    await recordAccess(deps.state, record);
    log.info({ event: 'access.started', by: s.by, via: 'server' }, `console on ${host}`);
    const [command, ...args] = await deps.hosts.attachArgv(host, releaseCommandArgv(instance, { kind: 'remote' }, id));
    // Only what nsenter or ssh need: nothing of the server's own environment reaches the host.
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      TERM: 'xterm-256color',
    };
    const term = pty.spawn(command as string, args, { name: 'xterm-256color', ...s.size, env });
    term.onData((data) => ws.send(new TextEncoder().encode(data)));
    term.onExit(({ exitCode }) => {
      // Recorded first, then told: once the client has its exit status, history shows the session ended.
      finishAccess(deps.state, record, { endedAt: new Date().toISOString(), exitCode })
        .then(
          () => log.info({ event: 'access.ended', exitCode }, `console on ${host} ended`),
          (error: Error) => log.error({ error: error.message }, `console on ${host}: its end was not recorded`),
        )
        .finally(() => {
          ws.send(JSON.stringify({ exit: exitCode }));
          ws.close(1000, 'console ended');
        });
    });
    return term;
  } catch (error) {
    log.error({ error: (error as Error).message }, `console on ${host} could not start`);
    ws.send(JSON.stringify({ error: `console on ${host} could not start: ${(error as Error).message}` }));
    ws.close(1011, 'console could not start');
    return undefined;
  }
}

/** A terminal size from the query: a whole number 1–1000, else the default. */
function dimension(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : fallback;
}
