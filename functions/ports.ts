/**
 * The ports the core and the worker need. Each has a local adapter (adapters/local) and an AWS adapter
 * (adapters/aws). The artifact store, queue, state and secret store pass the same contract suites in
 * test/contract; the deployers, notifiers and upload URLs have tests of their own (docs/architecture.md).
 */
import type { Clock, Ids } from './core/clock';
import type { Deployment, HookResult, LifecycleEvent } from './core/deployments';
import type { Job } from './core/jobs';
import type { JournalQuery, JournalRead } from './core/journal';
import type { DeploymentPlan } from './core/plans';

export type { Clock, Ids };

/** Bytes in or out. A Node `Readable`, a web `ReadableStream` and an async generator all qualify. */
export type ByteStream = AsyncIterable<Uint8Array>;

// ---------------------------------------------------------------- artifacts

export interface StoredObject {
  readonly key: string;
  /** Hex sha256 of the stored bytes, computed while streaming. */
  readonly sha256: string;
  readonly size: number;
}

export interface PutOptions {
  /** Store under this key. Omitted: content-addressed, `sha256/<hex>`. */
  readonly key?: string;
  /** Abort (throwing `ArtifactTooLargeError`) and store nothing once more bytes than this arrive. */
  readonly maxBytes?: number;
  /**
   * The hex sha256 the sender declared (signed): the store checks the bytes against it while writing them
   * (S3: `ChecksumSHA256`), so a content-addressed put goes straight to its final key. Different bytes throw
   * `ArtifactDigestError`, store nothing and never replace an existing object.
   */
  readonly sha256?: string;
  /** The declared length in bytes (e.g. Content-Length): lets S3 take the body in one verified PutObject. */
  readonly size?: number;
}

/** Blob storage for release tarballs and deployment bundles. Writes are atomic: a reader sees all or nothing. */
export interface ArtifactStore {
  put(body: ByteStream, options?: PutOptions): Promise<StoredObject>;
  /** Throws `ArtifactNotFoundError` when missing. */
  get(key: string): Promise<ByteStream>;
  head(key: string): Promise<StoredObject | undefined>;
  delete(key: string): Promise<void>;
}

/** A presigned PUT: the URL, and the headers the uploader must send with exactly these values (they are signed). */
export interface PresignedPut {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface PresignOptions {
  readonly expiresInSec: number;
  readonly maxBytes?: number;
  /** The hex sha256 the uploader declared: signed into the request, so the store refuses other bytes. */
  readonly sha256?: string;
  /** The declared length: signed too, so the store refuses a body of any other length. */
  readonly size?: number;
}

/** AWS only: CI uploads straight to S3 with a presigned PUT (Lambda cannot take bodies over 6 MB). */
export interface UploadUrls {
  presignPut(key: string, options: PresignOptions): Promise<PresignedPut>;
}

// ---------------------------------------------------------------- queue

export interface OutgoingMessage {
  /** FIFO group: messages of one group are delivered in order, one in flight at a time. */
  readonly group: string;
  /** Deduplication key: a second send with the same key within 5 minutes is dropped. */
  readonly dedupKey: string;
  readonly body: Job;
}

export interface ReceivedMessage {
  readonly id: string;
  readonly group: string;
  readonly dedupKey: string;
  readonly body: unknown;
  /** 1 on first delivery. */
  readonly receiveCount: number;
  /** Handle for ack/fail; valid for this delivery only. */
  readonly receipt: string;
}

export interface DeadLetter {
  readonly id: string;
  readonly group: string;
  readonly body: unknown;
  readonly error: string;
  readonly receiveCount: number;
  readonly failedAt: string;
}

/** A FIFO job queue with SQS FIFO semantics. */
export interface JobQueue {
  send(message: OutgoingMessage): Promise<{ id: string }>;
  /** Up to `max` visible messages, at most one per group, hidden for `visibilityTimeoutSec`. */
  receive(options: { max: number; visibilityTimeoutSec: number }): Promise<ReceivedMessage[]>;
  ack(receipt: string): Promise<void>;
  /** Give the message back (visible again after `retryAfterSec`, default now); past the receive limit it is dead-lettered with `error`. */
  fail(receipt: string, error: string, options?: { retryAfterSec?: number }): Promise<void>;
  deadLetters(): Promise<DeadLetter[]>;
}

// ---------------------------------------------------------------- state

/** DynamoDB-shaped key: a partition and a sort key. */
export interface StateKey {
  readonly pk: string;
  readonly sk: string;
}

export interface StateItem<T = unknown> extends StateKey {
  readonly value: T;
  /** Starts at 1, +1 on every write. */
  readonly version: number;
}

export interface PutStateOptions {
  /** `null`: create only (fail if it exists). A number: write only if the stored version equals it. Omitted: unconditional. */
  readonly expectedVersion?: number | null;
  /** Expire the item this many seconds from now (dedup and idempotency records). */
  readonly ttlSec?: number;
}

/** Items of one partition, in sort-key order; expired items are never returned. */
export interface QueryOptions {
  readonly prefix?: string;
  readonly limit?: number;
  readonly descending?: boolean;
}

/** Key-value state with compare-and-set; the only way to coordinate between workers. */
export interface StateStore {
  get<T>(key: StateKey): Promise<StateItem<T> | undefined>;
  /** Returns the new version. Throws `ConcurrentChangeError` when `expectedVersion` does not match. */
  put<T>(key: StateKey, value: T, options?: PutStateOptions): Promise<number>;
  /** Throws `ConcurrentChangeError` when `expectedVersion` is given and does not match. */
  delete(key: StateKey, options?: { expectedVersion?: number }): Promise<void>;
  query<T>(pk: string, options?: QueryOptions): Promise<StateItem<T>[]>;
}

// ---------------------------------------------------------------- secrets

/** Scope `<app>/<env>` or `_global`. Values never leave through logs, messages or bundles. */
export interface SecretStore {
  get(scope: string, name: string): Promise<string | undefined>;
  /** Every secret of a scope, name → value (one call per deploy per host on AWS). */
  getAll(scope: string): Promise<Record<string, string>>;
  set(scope: string, name: string, value: string): Promise<void>;
  /** Returns true when it wrote, false when the name already existed. */
  putIfMissing(scope: string, name: string, value: string): Promise<boolean>;
  listNames(scope: string): Promise<string[]>;
}

// ---------------------------------------------------------------- deployer

export interface BundleRef {
  /** Artifact store key of the bundle (`.tgz`). */
  readonly key: string;
  readonly sha256: string;
}

export interface DeployRequest {
  readonly plan: DeploymentPlan;
  readonly bundle: BundleRef;
  /** Roll back automatically (a new deployment of the last good revision) when the deployment fails. */
  readonly autoRollback: boolean;
  /**
   * `rest`: the hosts after a canary that passed its bake (CodeDeploy: the environment's own group, started
   * by the worker on `canary.passed`). Omitted: the deployment from its start (with a canary: the canary).
   */
  readonly phase?: 'rest';
}

export type DeployerEvent =
  | {
      readonly type: 'deployment.started';
      readonly deploymentId: string;
      readonly externalId: string;
      readonly at: string;
    }
  | {
      readonly type: 'host.event';
      readonly deploymentId: string;
      readonly host: string;
      readonly event: LifecycleEvent;
      readonly status: HookResult['status'];
      readonly at: string;
      readonly tail?: string;
    }
  | {
      /** A canary's deployer deployment (CodeDeploy's canary group) succeeded, bake included: the rest may follow. */
      readonly type: 'canary.passed';
      readonly deploymentId: string;
      /** The canary's deployment at the deployer. */
      readonly externalId: string;
      readonly at: string;
    }
  | {
      readonly type: 'deployment.finished';
      readonly deploymentId: string;
      readonly status: 'succeeded' | 'failed' | 'rolled_back';
      readonly at: string;
      readonly error?: string;
      /** When the deployer rolled back by itself: the release id now serving. */
      readonly rolledBackTo?: string;
      /** When the deployment failed (before an automatic rollback took the time up to `at`). */
      readonly failedAt?: string;
    };

/** What the deployer itself says about a deployment it was given (tarmac's own record may have missed the end). */
export type DeploymentProbe =
  | { readonly state: 'running'; readonly detail: string }
  | { readonly state: 'ended'; readonly status: 'succeeded' | 'failed'; readonly detail: string }
  | { readonly state: 'unknown'; readonly detail: string };

/**
 * What a deployer did with a stop request: `stopping` — stopped, the hosts it touched roll back; `rolling-back`
 * — it had already failed and its automatic rollback runs (left to finish: stopping it would leave hosts
 * half-way); `succeeded` — its last hook had already ended, it succeeded (the end is on its way);
 * `not-running` — this deployer runs no such deployment (it ended, or its runner died).
 */
export type StopOutcome = 'stopping' | 'rolling-back' | 'succeeded' | 'not-running';

/** Runs a bundle on a fleet. Progress arrives as {@link DeployerEvent}s (local callback, or EventBridge on AWS). */
export interface Deployer {
  start(request: DeployRequest): Promise<{ externalId: string }>;
  /** Ask the deployer whether a deployment still runs (CodeDeploy GetDeployment; the local runner's liveness). */
  inspect?(externalId: string): Promise<DeploymentProbe>;
  /**
   * Stop a running deployment and roll back the hosts it touched (CodeDeploy StopDeployment with rollback;
   * the local deployer kills the running hooks). The end arrives as the usual `deployment.finished`.
   * `rollback: false` (a forced `fleet free`): stopped where it is, nothing rolled back.
   */
  stop?(externalId: string, reason: string, options?: { readonly rollback?: boolean }): Promise<StopOutcome>;
}

// ---------------------------------------------------------------- notifications

export interface Notification {
  readonly kind: 'queued' | 'started' | 'finished' | 'rejected' | 'info';
  readonly text: string;
  readonly deployment?: Deployment;
  readonly correlationId: string;
  readonly slackResponseUrl?: string | undefined;
}

export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

// ---------------------------------------------------------------- fleet commands

/** Where a command goes: the hosts of a fleet (local: host names; AWS: the fleet's EC2 tags). */
export interface FleetTarget {
  readonly fleet: string;
  readonly hosts: readonly string[];
  readonly ec2Tags?: Readonly<Record<string, string>>;
}

export interface CommandOutcome {
  readonly host: string;
  readonly ok: boolean;
  /** The end of its output (or why it could not run). Commands sent this way never print secrets. */
  readonly output: string;
}

/** Runs one shell script as root on every host of a fleet (local: the hosts' exec; AWS: SSM Run Command). */
export interface FleetCommands {
  run(target: FleetTarget, script: string, options: { readonly comment: string }): Promise<CommandOutcome[]>;
}

// ---------------------------------------------------------------- operator consoles

/**
 * How a `tarmac console --server` client reaches its console: a WebSocket on the same server (`tarmac serve`
 * relays it to the host), or a Session Manager session the server started (the webhook Lambda), which the
 * client hands to `session-manager-plugin` as `aws ssm start-session` does.
 */
export type ConsoleOpening =
  | { readonly kind: 'websocket' }
  | {
      readonly kind: 'ssm';
      readonly target: string;
      readonly region: string;
      readonly sessionId: string;
      readonly streamUrl: string;
      readonly tokenValue: string;
      /** The StartSession request the server made (Target, DocumentName, Parameters): the plugin's 5th argument. */
      readonly request: Readonly<Record<string, unknown>>;
    };

/** Opens consoles for `POST /api/apps/<app>/environments/<env>/console` (after a deploy grant). */
export interface ConsoleSessions {
  /** Refuses (a `TarmacError` naming the known hosts) a host that is not one of the instance's fleet. */
  open(request: {
    readonly app: string;
    readonly env: string;
    readonly host: string | undefined;
    readonly by: string;
  }): Promise<ConsoleOpening>;
  /** End a session the client could not use (no plugin on its side): never left open on the instance. */
  terminate?(sessionId: string): Promise<void>;
}

// ---------------------------------------------------------------- operator access

/** What a command on one host gave back. */
export interface HostCommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs an operator's command (`journalctl`, a release's `rpc`) as root on one host of a fleet. */
export interface OperatorHosts {
  /** The fleet's hosts: local host names, or the running EC2 instances carrying all of its `ec2_tags`. */
  hostsOf(target: FleetTarget): Promise<string[]>;
  /** `timeoutMs` bounds the command on the host and the wait for it; `comment` names the request (SSM shows it). */
  exec(
    host: string,
    argv: readonly string[],
    options: { readonly timeoutMs: number; readonly comment: string },
  ): Promise<HostCommandResult>;
}

/** `GET /api/…/logs`: the unit's journal on some hosts of the environment's fleet. */
export interface OperatorLogsRequest {
  readonly app: string;
  readonly env: string;
  /** One host; omitted: every host of the fleet. */
  readonly host?: string | undefined;
  readonly query: JournalQuery;
  /** The token's name (the server's log says who read). */
  readonly by: string;
}

export interface OperatorLogsAnswer {
  readonly unit: string;
  /** How the server reaches its hosts: `local` or `aws`. */
  readonly via: string;
  /** One read per host, every known secret already redacted. */
  readonly reads: JournalRead[];
}

/** `POST /api/…/eval`: `bin/<release> rpc` on one host, audited. */
export interface OperatorEvalRequest {
  readonly app: string;
  readonly env: string;
  /** Omitted: the fleet's only host. */
  readonly host?: string | undefined;
  readonly expression: string;
  readonly timeoutMs: number;
  /** The token's name: `by` in the audit record. */
  readonly by: string;
}

export interface OperatorEvalAnswer {
  readonly host: string;
  readonly unit: string;
  /** The audit record's id (also the transient unit's suffix on the host). */
  readonly session: string;
  readonly exitCode: number | null;
  /** Redacted. */
  readonly stdout: string;
  /** Redacted. */
  readonly stderr: string;
}

/** The server side of `logs` and `eval` over `--server` (worker/operator-access.ts, over {@link OperatorHosts}). */
export interface OperatorAccess {
  /** The longest a command may take on this server (a Lambda's budget), in ms. */
  readonly maxMs: number;
  logs(request: OperatorLogsRequest): Promise<OperatorLogsAnswer>;
  eval(request: OperatorEvalRequest): Promise<OperatorEvalAnswer>;
}
