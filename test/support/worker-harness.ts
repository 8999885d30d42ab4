import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openLocalAdapters } from '../../functions/adapters/local';
import { parseConfig } from '../../functions/core/config';
import type { Job } from '../../functions/core/jobs';
import { localBundleTarget } from '../../functions/local/bundle-target';
import { silentLogger } from '../../functions/log';
import type { ByteStream, Deployer, DeployerEvent, DeployRequest, Notification } from '../../functions/ports';
import type { CheckResult, WorkerDeps } from '../../functions/worker/deps';
import { createWorker } from '../../functions/worker/worker';
import { FakeClock } from './fake-clock';

/** A deployer that records what it was asked to run; the test plays the hosts by sending events. */
export class RecordingDeployer implements Deployer {
  readonly requests: DeployRequest[] = [];
  async start(request: DeployRequest) {
    this.requests.push(request);
    return { externalId: `ext-${this.requests.length}` };
  }
}

async function bytesOf(body: ByteStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * Stand-in for the release checker in worker tests: accepts any bytes except those containing "HOSTILE"
 * (the real checker has its own tests; here only the worker's reaction matters).
 */
async function fakeCheck(body: ByteStream): Promise<CheckResult> {
  const bytes = await bytesOf(body);
  if (bytes.includes('HOSTILE')) return { ok: false, entry: '../etc/passwd', reason: 'path leaves the release' };
  return { ok: true, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

const CONFIG = readFileSync(new URL('../../examples/tarmac.yml', import.meta.url), 'utf8');

/** Real local stores in a temp dir, a fake clock, a recording deployer and notifier. */
export function workerHarness(configText = CONFIG) {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-worker-'));
  const clock = new FakeClock();
  const adapters = openLocalAdapters(dir, { clock });
  const deployer = new RecordingDeployer();
  const notifications: Notification[] = [];
  let crashNextPack = false;
  const deps: WorkerDeps = {
    config: parseConfig(configText),
    ...adapters,
    deployer,
    notifier: { notify: async (n) => void notifications.push(n) },
    logger: silentLogger(),
    target: localBundleTarget,
    checkRelease: fakeCheck,
    packBundle: ({ plan }) => {
      if (crashNextPack) {
        crashNextPack = false;
        throw new Error('simulated crash after the deployment was recorded');
      }
      return Readable.from([Buffer.from(JSON.stringify(plan))]);
    },
  };
  const worker = createWorker(deps);
  let seq = 0;
  const base = () => ({ v: 1 as const, idempotencyKey: `job-${++seq}`, correlationId: `corr-${seq}`, app: 'hello' });

  return {
    dir,
    clock,
    deps,
    deployer,
    notifications,
    worker,
    crashOnNextPack: () => {
      crashNextPack = true;
    },
    /** Upload bytes and return an ingest job for them. */
    async upload(version: string, content: string, extra: Partial<Job> = {}): Promise<Job> {
      const stored = await adapters.artifacts.put(Readable.from([Buffer.from(content)]), {
        key: `uploads/hello/${version}/${seq}`,
      });
      return { ...base(), type: 'ingest', version, artifactKey: stored.key, uploadedBy: 'ci', ...extra } as Job;
    },
    job<T extends Job['type']>(type: T, fields: Record<string, unknown>): Job {
      return { ...base(), type, ...fields } as Job;
    },
    /** Play the hosts: every host succeeds (or the deployment fails) and the deployer reports it. */
    async finish(request: DeployRequest, status: 'succeeded' | 'failed' | 'rolled_back' = 'succeeded') {
      const at = clock.now().toISOString();
      const hosts = request.plan.batches.flat();
      const events: DeployerEvent[] = [
        { type: 'deployment.started', deploymentId: request.plan.deploymentId, externalId: 'x', at },
        ...hosts.map((host) => ({
          type: 'host.event' as const,
          deploymentId: request.plan.deploymentId,
          host,
          event: 'ValidateService' as const,
          status: status === 'succeeded' ? ('succeeded' as const) : ('failed' as const),
          at,
        })),
        {
          type: 'deployment.finished',
          deploymentId: request.plan.deploymentId,
          status,
          at,
          ...(status === 'succeeded' ? {} : { error: 'health check failed' }),
        },
      ];
      for (const [i, event] of events.entries()) {
        await worker.handle({
          ...base(),
          idempotencyKey: `evt-${request.plan.deploymentId}-${i}`,
          type: 'deployer-event',
          event,
        });
      }
    },
    close() {
      adapters.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
