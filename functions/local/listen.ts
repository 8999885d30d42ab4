import { serve } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { TarmacError } from '../core/errors';

/** A bind that would put the read API and dashboard on the network with no token. */
export class OpenBindError extends TarmacError {
  constructor(host: string) {
    super(
      `refusing to listen on ${host} without a read token: the read API and the dashboard (deployments, locks, who asked) would be open to anyone who can reach it. Set one (tarmac tokens create <name> --scope read, TARMAC_DASHBOARD_TOKEN, or tarmac secrets set _global dashboard_token --stdin), listen on 127.0.0.1, or pass --insecure-open to serve them open on purpose`,
      { host },
    );
    this.name = 'OpenBindError';
  }
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}

type NodeServer = ReturnType<typeof serve>;

export function listen(
  fetch: Parameters<typeof serve>[0]['fetch'],
  port: number,
  hostname: string,
): Promise<NodeServer> {
  return new Promise((resolve, reject) => {
    // noServer: node-server hands it the upgrades its routes accept (the console); it never listens itself.
    const websocket = { server: new WebSocketServer({ noServer: true }) };
    const server = serve({ fetch, port, hostname, websocket }, () => resolve(server));
    server.once('error', reject);
  });
}

/** Graceful close: stop accepting, let in-flight requests finish (5 s at most), drop idle keep-alives. */
export function closeServer(server: NodeServer): Promise<void> {
  return new Promise((resolve) => {
    const http = server as NodeServer & { closeIdleConnections?: () => void; closeAllConnections?: () => void };
    const force = setTimeout(() => http.closeAllConnections?.(), 5000);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    http.closeIdleConnections?.();
  });
}
