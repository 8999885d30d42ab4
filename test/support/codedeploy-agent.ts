import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { deployHost, type Revision } from '../../functions/adapters/local/local-deployer/host-deployment';
import type { PathCapableStore } from '../../functions/adapters/local/local-deployer/host-files';
import type { HookResult, LifecycleEvent } from '../../functions/core/deployments';
import type { Hosts } from '../../functions/hosts/manager';
import { silentLogger } from '../../functions/log';
import type { SecretStore } from '../../functions/ports';

/** One EC2 instance of the stand-in's inventory: a local test host with tags. */
export interface Instance {
  readonly instanceId: string;
  readonly host: string;
  /** Address of the machine on the host's veth link: where the host reaches moto. */
  readonly machineAddress: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** A deployment target as BatchGetDeploymentTargets describes it (instanceTarget). */
export interface TargetRecord {
  readonly instance: Instance;
  status: 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped';
  readonly lifecycleEvents: {
    lifecycleEventName: string;
    status: 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped';
    startTime?: number;
    endTime?: number;
    diagnostics?: { errorCode: string; scriptName: string; message: string; logTail: string };
  }[];
  lastUpdatedAt: number;
}

/** The agent's lifecycle events on an in-place EC2 deployment, in order. */
const AGENT_EVENTS = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
];

export function newTarget(instance: Instance): TargetRecord {
  return {
    instance,
    status: 'Pending',
    lifecycleEvents: AGENT_EVENTS.map((lifecycleEventName) => ({ lifecycleEventName, status: 'Pending' })),
    lastUpdatedAt: Date.now() / 1000,
  };
}

/**
 * What an EC2 host has in the test: the AWS CLI installed where an AMI has it (`/usr/local/bin/aws`), here
 * the machine's aws-cli (pyenv) linked into the host's own layer.
 */
export async function installAwsCli(hosts: Hosts, host: string): Promise<string> {
  const found = spawnSync('bash', ['-lc', 'pyenv which aws 2>/dev/null || command -v aws'], { encoding: 'utf8' });
  const cli = found.stdout.trim().split('\n').pop() ?? '';
  if (!cli) throw new Error('no aws CLI on this machine (pyenv which aws): the AWS pipeline test needs one');
  const result = await hosts.exec(host, ['ln', '-sfn', cli, '/usr/local/bin/aws'], { timeoutMs: 10_000 });
  if (result.code !== 0) throw new Error(`cannot link the aws CLI into ${host}: ${result.stderr}`);
  return cli;
}

/**
 * Run a revision on one instance with the agent's semantics (the local deployer's host side: bundle
 * unpacked under the deployment root, ApplicationStop from the last successful revision, hooks as root with
 * the agent's variables). `env` is what the agent's environment adds — on EC2 the instance profile; here the
 * moto endpoint and test credentials — and never comes from the bundle.
 */
export async function runRevision(
  hosts: Hosts,
  target: TargetRecord,
  revision: { deploymentId: string; application: string; group: string; groupId: string; bundleFile: string },
  env: Readonly<Record<string, string>>,
  stopped?: () => string | undefined,
): Promise<{ ok: boolean; touched: boolean }> {
  const { instance } = target;
  target.status = 'InProgress';
  const hostRevision: Revision = {
    deploymentId: revision.deploymentId,
    app: revision.application,
    env: revision.group,
    group: revision.group,
    bundleKey: 'bundle.tgz',
    hookEnv: {
      DEPLOYMENT_ID: revision.deploymentId,
      APPLICATION_NAME: revision.application,
      DEPLOYMENT_GROUP_NAME: revision.group,
      DEPLOYMENT_GROUP_ID: revision.groupId,
      ...env,
    },
  };
  const report = async (_host: string, event: LifecycleEvent, status: HookResult['status'], tail?: string) =>
    record(target, event, status, tail);
  const outcome = await deployHost(
    {
      hosts,
      artifacts: fileStore(revision.bundleFile),
      secrets: NO_SECRETS,
      logger: silentLogger(),
      provideRelease: async () => {},
      report,
      ...(stopped ? { aborted: stopped } : {}),
    },
    instance.host,
    hostRevision,
  ).catch((error: unknown) => ({ ok: false, touched: true, failedEvent: undefined, tail: String(error) }));
  if (outcome.ok) for (const name of ['DownloadBundle', 'Install']) mark(target, name, 'Succeeded');
  for (const e of target.lifecycleEvents) if (e.status === 'Pending') e.status = 'Skipped';
  target.status = outcome.ok ? 'Succeeded' : 'Failed';
  return { ok: outcome.ok, touched: outcome.touched };
}

const STATUS = { in_progress: 'InProgress', succeeded: 'Succeeded', failed: 'Failed', skipped: 'Skipped' } as const;

function record(target: TargetRecord, event: LifecycleEvent, status: HookResult['status'], tail?: string): void {
  const now = Date.now() / 1000;
  const entry = mark(target, event, STATUS[status]);
  if (!entry) return;
  if (status === 'in_progress') entry.startTime = now;
  else entry.endTime = now;
  if (status === 'failed') {
    entry.diagnostics = {
      errorCode: 'ScriptFailed',
      scriptName: `hooks/${event}`,
      message: `Script at specified location: hooks/${event} run as user root failed with exit code 1`,
      logTail: tail ?? '',
    };
  }
  if (event === 'BeforeInstall' && status === 'in_progress') mark(target, 'DownloadBundle', 'Succeeded');
  if (event === 'AfterInstall' && status === 'in_progress') mark(target, 'Install', 'Succeeded');
}

function mark(target: TargetRecord, name: string, status: TargetRecord['status']) {
  const entry = target.lifecycleEvents.find((e) => e.lifecycleEventName === name);
  if (entry) entry.status = status;
  target.lastUpdatedAt = Date.now() / 1000;
  return entry;
}

/** The downloaded bundle as the host side's artifact store (it only ever copies it into the host). */
function fileStore(file: string): PathCapableStore {
  const refuse = async (): Promise<never> => {
    throw new Error('the agent only reads its bundle');
  };
  return { pathOf: () => file, get: async () => createReadStream(file), put: refuse, head: refuse, delete: refuse };
}

/** The agent knows no secrets: on AWS, BeforeInstall reads them from SSM itself. */
const NO_SECRETS: SecretStore = {
  get: async () => undefined,
  getAll: async () => ({}),
  set: async () => {
    throw new Error('the agent keeps no secrets');
  },
  putIfMissing: async () => false,
  listNames: async () => [],
};
