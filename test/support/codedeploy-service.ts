import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Instance } from './codedeploy-agent';
import { type DeploymentRecord, deploymentInfo, executeDeployment, type ServiceContext } from './codedeploy-runs';
import { stopDeployment } from './codedeploy-stop';
import type { TestHosts } from './hosts';
import type { RunningMoto } from './moto';

export type { DeploymentRecord } from './codedeploy-runs';

export interface CodeDeployServiceOptions {
  readonly moto: RunningMoto;
  readonly hosts: TestHosts;
  readonly instances: readonly Instance[];
  readonly bucket: string;
  /** Where EventBridge delivers CodeDeploy notifications (the deploy-events Lambda's handler). */
  readonly notify: (event: Record<string, unknown>) => Promise<void>;
  /** Called before a rollback deployment runs (the test looks at tarmac's state then). */
  readonly beforeRollback?: (rollback: DeploymentRecord) => Promise<void>;
}

/** Calls moto answers well enough, forwarded to it; the rest is this service's own. */
const OWN_CALLS = new Set(['GetDeployment', 'ListDeploymentTargets', 'BatchGetDeploymentTargets', 'StopDeployment']);

/**
 * A stand-in for the CodeDeploy service, in front of moto. The create side (CreateApplication,
 * CreateDeploymentGroup, CreateDeployment, ListDeployments) is moto's: this front forwards those calls. What
 * moto lacks it does itself, as the service: it finds each deployment created on moto, runs it on the local
 * test hosts with the agent's semantics, keeps its status and per-instance lifecycle events, answers
 * GetDeployment / ListDeploymentTargets / BatchGetDeploymentTargets from that record, rolls failed
 * deployments back as CodeDeploy does, and publishes the EventBridge notifications.
 *
 * moto 5.2.1 vs AWS, and why each call is served here:
 * - GetDeployment: moto returns `createTime` as an ISO string, which SDK v3 cannot parse ("Expected real
 *   number"), and a deployment stays `Created` forever — AWS: "status: The current state of the deployment
 *   as a whole" (Created, Queued, InProgress, Baking, Succeeded, Failed, Stopped, Ready).
 * - ListDeploymentTargets / BatchGetDeploymentTargets: not implemented by moto ("Returns an array of target
 *   IDs that are associated a deployment" / "Returns an array of one or more targets associated with a
 *   deployment").
 * - StopDeployment: moto's marks nothing stopped and runs no rollback (there is no agent to stop); this one
 *   stops the running lifecycle event and rolls the touched instances back (test/support/codedeploy-stop.ts).
 * - moto has no agent, no rollback: "CodeDeploy rolls back deployments by redeploying a previously deployed
 *   revision of an application as a new deployment"; here that deployment is created on moto (so it has a
 *   moto id) and recorded with `creator: codeDeployRollback`, which moto's CreateDeployment cannot set.
 */
export async function startCodeDeployService(options: CodeDeployServiceOptions) {
  const records = new Map<string, DeploymentRecord>();
  const ctx: ServiceContext = { ...options, records, motoCall: (op, body) => motoCall(options.moto, op, body) };
  const server = createServer((req, res) => {
    void handle(req, res, ctx).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'InternalFailure', message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let running = true;
  let busy = false;
  const errors: string[] = [];
  const loop = (async () => {
    while (running) {
      try {
        busy = true;
        await discover(ctx);
        const next = [...records.values()].find((r) => r.status === 'Created');
        if (next) await executeDeployment(ctx, next);
      } catch (error) {
        errors.push(String(error));
      } finally {
        busy = false;
      }
      await sleep(250);
    }
  })();
  return {
    /** AWS_ENDPOINT_URL_CODEDEPLOY for the product's clients. */
    endpoint,
    records,
    errors,
    /** True while a deployment runs or waits to run. */
    isBusy: () => busy || [...records.values()].some((r) => r.status === 'Created' || r.status === 'InProgress'),
    async stop(): Promise<void> {
      running = false;
      await loop;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type CodeDeployService = Awaited<ReturnType<typeof startCodeDeployService>>;

/** New deployments on moto become records (creation order), to be run one after another. */
async function discover(ctx: ServiceContext): Promise<void> {
  const { deployments = [] } = (await ctx.motoCall('ListDeployments', {})) as { deployments?: string[] };
  for (const id of deployments) {
    if (ctx.records.get(id)?.revision) continue;
    const { deploymentInfo: info } = (await ctx.motoCall('GetDeployment', { deploymentId: id })) as {
      deploymentInfo: Record<string, unknown>;
    };
    const known = ctx.records.get(id);
    ctx.records.set(id, {
      deploymentId: id,
      applicationName: info.applicationName as string,
      deploymentGroupName: info.deploymentGroupName as string,
      deploymentConfigName: (info.deploymentConfigName as string) || 'CodeDeployDefault.OneAtATime',
      revision: info.revision as DeploymentRecord['revision'],
      autoRollback: (info.autoRollbackConfiguration as DeploymentRecord['autoRollback']) ?? undefined,
      description: (info.description as string) ?? '',
      status: 'Created',
      creator: 'user',
      createTime: Date.now() / 1000,
      targets: [],
      ...known,
    });
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: ServiceContext): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
  if (!OWN_CALLS.has(op)) return forward(req, res, body, ctx.moto);
  const input = JSON.parse(body.toString() || '{}') as {
    deploymentId?: string;
    targetIds?: string[];
    autoRollbackEnabled?: boolean;
  };
  const record = ctx.records.get(input.deploymentId ?? '');
  const reply = (status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(value));
  };
  if (!record) {
    return reply(400, {
      __type: 'DeploymentDoesNotExistException',
      message: `The deployment ${input.deploymentId} could not be found.`,
    });
  }
  if (op === 'GetDeployment') return reply(200, { deploymentInfo: deploymentInfo(record) });
  if (op === 'StopDeployment') return reply(...(await stopDeployment(ctx, record, input)));
  if (op === 'ListDeploymentTargets')
    return reply(200, { targetIds: record.targets.map((t) => t.instance.instanceId) });
  const wanted = new Set(input.targetIds ?? []);
  return reply(200, {
    deploymentTargets: record.targets
      .filter((t) => wanted.has(t.instance.instanceId))
      .map((t) => ({
        deploymentTargetType: 'InstanceTarget',
        instanceTarget: {
          deploymentId: record.deploymentId,
          targetId: t.instance.instanceId,
          targetArn: `arn:aws:ec2:${ctx.moto.clientConfig.region}:123456789012:instance/${t.instance.instanceId}`,
          status: t.status,
          lastUpdatedAt: t.lastUpdatedAt,
          lifecycleEvents: t.lifecycleEvents,
        },
      })),
  });
}

async function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, moto: RunningMoto): Promise<void> {
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)),
  ) as Record<string, string>;
  const answer = await fetch(`${moto.endpoint}${req.url ?? '/'}`, { method: req.method ?? 'POST', headers, body });
  res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
  res.end(Buffer.from(await answer.arrayBuffer()));
}

/** A CodeDeploy JSON 1.1 call to moto (moto reads the service and region from the credential scope). */
async function motoCall(moto: RunningMoto, op: string, body: unknown): Promise<unknown> {
  const region = moto.clientConfig.region;
  const response = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `CodeDeploy_20141006.${op}`,
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20300101/${region}/codedeploy/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`moto ${op} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}
