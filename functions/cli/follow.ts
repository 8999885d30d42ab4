import { setTimeout as sleep } from 'node:timers/promises';
import type { Deployment } from '../core/deployments';
import { isFinished } from '../core/deployments';
import { TarmacError } from '../core/errors';
import { type DurationEstimate, describeEstimate, estimateDuration } from '../core/estimate';
import type { EnvironmentSummary } from '../core/summaries';
import type { LocalRuntime } from '../local/runtime';
import { deploymentHistory, getDeployment } from '../state/deployments';
import type { JobResult } from '../state/jobs';
import { submit, waitForJob, whoami } from './local-client';
import type { Output } from './output';
import { DeploymentProgress } from './progress';
import { type ClientRequest, jobOf, routeOf } from './requests';
import { ServerAnswerError, type ServerClient } from './server-client';

/** Where a request goes and how its outcome comes back: the local queue, or a server's `/api`. */
export interface JobChannel {
  /** Queue the request; the job's idempotency key. */
  submit(request: ClientRequest): Promise<string>;
  /** Wait until the worker has run the job. */
  outcome(key: string): Promise<JobResult>;
  deployment(id: string): Promise<Deployment | undefined>;
  /** How long the environment's earlier deployments usually took (this one left out), when known. */
  estimate(deployment: Deployment): Promise<DurationEstimate | undefined>;
  /** Poll interval while following a deployment. */
  readonly pollMs: number;
}

/** The local queue of `--data`, worked by this process or by the `tarmac serve` that holds its lease. */
export function localChannel(runtime: LocalRuntime): JobChannel {
  return {
    async submit(request) {
      const id = runtime.adapters.ids.next();
      const job = jobOf(
        runtime.deps.config,
        request,
        { v: 1, idempotencyKey: `cli-${id}`, correlationId: id },
        whoami(),
      );
      await submit(runtime, job);
      return job.idempotencyKey;
    },
    async outcome(key) {
      const result = (await waitForJob(runtime, key)).result;
      if (!result) throw new TarmacError(`job ${key} finished without a result`);
      return result;
    },
    deployment: (id) => getDeployment(runtime.adapters.state, id),
    async estimate(deployment) {
      const history = await deploymentHistory(runtime.adapters.state, deployment.app, deployment.env, 50);
      return estimateDuration(history.filter((d) => d.id !== deployment.id));
    },
    pollMs: 200,
  };
}

/** A tarmac server (`--server`): writes to its `/api`, then follows the job and the deployment there. */
export function serverChannel(server: ServerClient, timeoutMs = 120_000): JobChannel {
  return {
    async submit(request) {
      const route = routeOf(request);
      return (await server.write(route.method, route.path, route.body)).idempotencyKey;
    },
    async outcome(key) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const record = await server
          .get<{ status: string; result?: JobResult }>(`/jobs/${encodeURIComponent(key)}`)
          .catch((error: unknown) => {
            if (error instanceof ServerAnswerError && error.status === 404) return undefined; // not taken yet
            throw error;
          });
        if (record?.status === 'done' && record.result) return record.result;
        if (Date.now() > deadline) {
          throw new TarmacError(
            `job ${key} did not finish within ${timeoutMs / 1000} s — is a worker running for ${server.base}? (tarmac serve --no-worker only queues)`,
          );
        }
        await sleep(250);
      }
    },
    deployment: (id) => server.get<Deployment>(`/deployments/${encodeURIComponent(id)}`),
    async estimate(deployment) {
      const app = await server.get<{ environments: EnvironmentSummary[] }>(
        `/apps/${encodeURIComponent(deployment.app)}`,
      );
      return app.environments.find((e) => e.env === deployment.env)?.estimate;
    },
    pollMs: 500,
  };
}

/**
 * Queue a request, wait for the worker to take it, and with `--wait` follow the deployment it started until
 * it ends (exit 1 unless `ok` says the end is what was asked for: by default, a success). Without `--wait`
 * the worker's message is printed and the command returns. The same lines locally and with `--server`.
 */
export async function followRequest(
  channel: JobChannel,
  request: ClientRequest,
  out: Output,
  options: { json: boolean; wait: boolean; ok?: (d: Deployment) => boolean },
): Promise<void> {
  const key = await channel.submit(request);
  const result = await channel.outcome(key);
  if (result.outcome === 'refused' || result.outcome === 'rejected' || result.outcome === 'failed') {
    throw new TarmacError(result.message);
  }
  if (!(options.wait && result.deploymentId)) {
    out.write(options.json ? `${JSON.stringify(result)}\n` : `${result.message}\n`);
    return;
  }
  if (!options.json) out.write(`${result.message}\n`);
  const first = await channel.deployment(result.deploymentId);
  const estimate = first && (await channel.estimate(first).catch(() => undefined));
  if (estimate && !options.json) out.write(`${describeEstimate(estimate)}\n`);
  const progress = new DeploymentProgress(out, {
    json: options.json,
    startedAt: Date.now(),
    now: Date.now,
    estimate,
  });
  const final = await watch(channel, result.deploymentId, (d) => progress.update(d));
  const succeeded = progress.finish(final);
  if (!(options.ok ? options.ok(final) : succeeded)) out.exitCode = 1;
}

async function watch(channel: JobChannel, id: string, onUpdate: (d: Deployment) => void, timeoutMs = 30 * 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const deployment = await channel.deployment(id);
    if (!deployment) throw new TarmacError(`no deployment ${id}`);
    onUpdate(deployment);
    if (isFinished(deployment.status)) return deployment;
    if (Date.now() > deadline) {
      throw new TarmacError(`deployment ${id} still ${deployment.status} after ${timeoutMs / 60_000} min`);
    }
    await sleep(channel.pollMs);
  }
}
