import { findFleet, requireEnvironment } from '../core/config';
import type { TarmacConfig } from '../core/config/schema';
import { TarmacError, UnknownNameError } from '../core/errors';
import type { Job } from '../core/jobs';

/**
 * What an operator asks for, the same whichever way it travels: as a job on the local queue (`--data`), or
 * as a write to the server's `/api` (`--server`), where the server makes the very same job with the token's
 * name as the requester.
 */
export type ClientRequest =
  | { readonly type: 'deploy'; readonly app: string; readonly env: string; readonly version?: string | undefined }
  | { readonly type: 'rollback'; readonly app: string; readonly env: string }
  | { readonly type: 'promote'; readonly app: string; readonly from: string; readonly to: string }
  | { readonly type: 'lock'; readonly app: string; readonly env: string; readonly reason: string }
  | { readonly type: 'unlock'; readonly app: string; readonly env: string }
  | { readonly type: 'abort'; readonly app: string; readonly env: string; readonly reason?: string | undefined }
  | {
      readonly type: 'maintenance';
      readonly app: string;
      readonly env: string;
      readonly on: boolean;
      readonly reason?: string | undefined;
    }
  | { readonly type: 'fleet-free'; readonly fleet: string; readonly reason: string; readonly force: boolean };

type Base = Pick<Job, 'v' | 'idempotencyKey' | 'correlationId'>;

/** The job a request becomes on the local queue; unknown names are refused before anything is queued. */
export function jobOf(config: TarmacConfig, request: ClientRequest, base: Base, who: string): Job {
  const r = request;
  switch (r.type) {
    case 'deploy':
      requireEnvironment(config, r.app, r.env);
      return { ...base, type: 'deploy', app: r.app, env: r.env, ref: r.version, trigger: 'cli', requestedBy: who };
    case 'rollback':
      requireEnvironment(config, r.app, r.env);
      return { ...base, type: 'rollback', app: r.app, env: r.env, requestedBy: who };
    case 'lock':
      requireEnvironment(config, r.app, r.env);
      return { ...base, type: 'lock', app: r.app, env: r.env, reason: r.reason, by: who };
    case 'unlock':
      requireEnvironment(config, r.app, r.env);
      return { ...base, type: 'unlock', app: r.app, env: r.env, by: who };
    case 'abort':
      requireEnvironment(config, r.app, r.env);
      return { ...base, type: 'abort', app: r.app, env: r.env, by: who, ...(r.reason ? { reason: r.reason } : {}) };
    case 'maintenance':
      requireEnvironment(config, r.app, r.env);
      return {
        ...base,
        type: 'maintenance',
        app: r.app,
        env: r.env,
        on: r.on,
        by: who,
        ...(r.reason ? { reason: r.reason } : {}),
      };
    case 'promote':
      requireEnvironment(config, r.app, r.from);
      requireEnvironment(config, r.app, r.to);
      return { ...base, type: 'promote', app: r.app, from: r.from, to: r.to, requestedBy: who };
    case 'fleet-free': {
      if (!findFleet(config, r.fleet)) throw new UnknownNameError('fleet', r.fleet, Object.keys(config.fleets));
      const app = Object.entries(config.apps).find(([, a]) => a.fleet === r.fleet)?.[0];
      if (!app) throw new TarmacError(`fleet ${r.fleet} runs no app — there is nothing to free`, { fleet: r.fleet });
      return { ...base, type: 'fleet-free', app, fleet: r.fleet, reason: r.reason, force: r.force, by: who };
    }
  }
}

/** The `/api` write a request becomes with `--server`. */
export function routeOf(request: ClientRequest): { method: 'POST' | 'PUT' | 'DELETE'; path: string; body: object } {
  const e = encodeURIComponent;
  if (request.type === 'fleet-free') {
    return {
      method: 'POST',
      path: `/fleets/${e(request.fleet)}/free`,
      body: { reason: request.reason, force: request.force },
    };
  }
  const env = request.type === 'promote' ? request.to : request.env;
  const at = `/apps/${e(request.app)}/environments/${e(env)}`;
  switch (request.type) {
    case 'deploy':
      return { method: 'POST', path: `${at}/deploy`, body: request.version ? { version: request.version } : {} };
    case 'rollback':
      return { method: 'POST', path: `${at}/rollback`, body: {} };
    case 'promote':
      return { method: 'POST', path: `${at}/promote`, body: { from: request.from } };
    case 'lock':
      return { method: 'PUT', path: `${at}/lock`, body: { reason: request.reason } };
    case 'unlock':
      return { method: 'DELETE', path: `${at}/lock`, body: {} };
    case 'abort':
      return { method: 'POST', path: `${at}/abort`, body: request.reason ? { reason: request.reason } : {} };
    case 'maintenance':
      return {
        method: 'POST',
        path: `${at}/maintenance`,
        body: { on: request.on, ...(request.reason ? { reason: request.reason } : {}) },
      };
  }
}
