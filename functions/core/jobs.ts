import * as z from 'zod';
import { InvalidJobError } from './errors';

/**
 * Queue messages. Every message has a type, a version, an idempotency key (the queue's deduplication key and
 * the worker's exactly-once key), and a correlation id carried by every log line and hook environment of the
 * work it starts. The queue group is the app's fleet (see {@link jobGroup}). Messages never carry secrets or
 * tarballs — only references.
 */
const base = {
  v: z.literal(1),
  idempotencyKey: z.string().min(1).max(128),
  correlationId: z.string().min(1).max(128),
  app: z.string().min(1),
};

const lifecycleEvent = z.enum([
  'ApplicationStop',
  'BeforeInstall',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
]);
const instant = z.iso.datetime({ offset: true });

/** A deployer event (see ports.ts DeployerEvent), already mapped from CodeDeploy/EventBridge or local. */
export const deployerEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('deployment.started'),
    deploymentId: z.string().min(1),
    externalId: z.string().min(1),
    at: instant,
  }),
  z.strictObject({
    type: z.literal('host.event'),
    deploymentId: z.string().min(1),
    host: z.string().min(1),
    event: lifecycleEvent,
    status: z.enum(['in_progress', 'succeeded', 'failed', 'skipped']),
    at: instant,
    tail: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('canary.passed'),
    deploymentId: z.string().min(1),
    externalId: z.string().min(1),
    at: instant,
  }),
  z.strictObject({
    type: z.literal('deployment.finished'),
    deploymentId: z.string().min(1),
    status: z.enum(['succeeded', 'failed', 'rolled_back']),
    at: instant,
    error: z.string().optional(),
    rolledBackTo: z.string().optional(),
    failedAt: instant.optional(),
  }),
]);

/** Where progress for a request should be reported (Slack response_url), if anywhere. */
const replyTo = z.strictObject({ slackResponseUrl: z.url().optional() }).optional();

export const jobSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...base,
    type: z.literal('ingest'),
    version: z.string(),
    /** Artifact store key of the uploaded (not yet validated) tarball. */
    artifactKey: z.string(),
    gitSha: z.string().optional(),
    branch: z.string().optional(),
    uploadedBy: z.string(),
  }),
  z.strictObject({
    ...base,
    type: z.literal('deploy'),
    env: z.string(),
    /** Version, git sha or branch; omitted: newest accepted release. */
    ref: z.string().optional(),
    trigger: z.enum(['cli', 'api', 'slack', 'push', 'build', 'promote', 'rollback']),
    requestedBy: z.string(),
    replyTo,
  }),
  z.strictObject({ ...base, type: z.literal('rollback'), env: z.string(), requestedBy: z.string(), replyTo }),
  z.strictObject({
    ...base,
    type: z.literal('promote'),
    from: z.string(),
    to: z.string(),
    requestedBy: z.string(),
    replyTo,
  }),
  z.strictObject({ ...base, type: z.literal('lock'), env: z.string(), reason: z.string(), by: z.string(), replyTo }),
  z.strictObject({ ...base, type: z.literal('unlock'), env: z.string(), by: z.string(), replyTo }),
  z.strictObject({
    ...base,
    /** nginx answers 503 (the maintenance page) for this instance only, or serves it again. */
    type: z.literal('maintenance'),
    env: z.string(),
    on: z.boolean(),
    by: z.string().min(1),
    reason: z.string().max(500).optional(),
    replyTo,
  }),
  z.strictObject({
    ...base,
    type: z.literal('push'),
    branch: z.string(),
    sha: z.string(),
    /** The branch's sha before the push and GitHub's `repository.pushed_at` (s): both signed, they order pushes. */
    before: z.string().optional(),
    pushedAt: z.number().optional(),
    pusher: z.string(),
  }),
  z.strictObject({
    ...base,
    /** Stop the environment's running (or waiting) deployment; the hosts it touched roll back. */
    type: z.literal('abort'),
    env: z.string(),
    by: z.string().min(1),
    reason: z.string().max(500).optional(),
    replyTo,
  }),
  z.strictObject({
    ...base,
    /** An operator frees a fleet whose deployment is gone (`app`: any app on it, for the queue group). */
    type: z.literal('fleet-free'),
    fleet: z.string().min(1),
    by: z.string().min(1),
    reason: z.string().min(1).max(500),
    /** Free it even though the deployer says its deployment still runs. */
    force: z.boolean(),
    replyTo,
  }),
  z.strictObject({
    ...base,
    type: z.literal('deployer-event'),
    event: deployerEventSchema,
  }),
]);

export type Job = z.infer<typeof jobSchema>;
export type JobType = Job['type'];
export type JobOf<T extends JobType> = Extract<Job, { type: T }>;

/** Validate an incoming message body; throws {@link InvalidJobError} naming the path and problem. */
export function parseJob(body: unknown): Job {
  const result = jobSchema.safeParse(body);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  throw new InvalidJobError(first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unknown');
}

/** The queue group of a job: the fleet of its app, so one fleet's work is serialized. */
export function jobGroup(fleetOfApp: (app: string) => string, job: Pick<Job, 'app'>): string {
  return `fleet-${fleetOfApp(job.app)}`;
}
