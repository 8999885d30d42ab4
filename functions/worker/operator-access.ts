import { randomBytes } from 'node:crypto';
import { journalArgv, releaseCommandArgv } from '../bundle/operator-commands';
import { type Instance, instanceOf } from '../core/config/instances';
import type { TarmacConfig } from '../core/config/schema';
import { TarmacError } from '../core/errors';
import { chooseHost, NoAnswerError } from '../core/host-choice';
import { type JournalQuery, type JournalRead, journalReadOf } from '../core/journal';
import type { Redactor } from '../core/redact';
import type { Logger } from '../log';
import type {
  Clock,
  FleetTarget,
  OperatorAccess,
  OperatorEvalAnswer,
  OperatorEvalRequest,
  OperatorHosts,
  OperatorLogsRequest,
  SecretStore,
  StateStore,
} from '../ports';
import { auditedSession } from '../state/access';
import { secretRedactor } from '../state/secret-redactor';

export interface OperatorAccessDeps {
  readonly config: TarmacConfig;
  readonly hosts: OperatorHosts;
  readonly secrets: SecretStore;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** `local` (local test hosts and SSH servers) or `aws` (SSM): recorded as the audit record's `via`. */
  readonly via: 'local' | 'aws';
  /** The longest one command may take here (a Lambda: its timeout less a margin to answer in). */
  readonly maxMs: number;
}

/**
 * `logs` and `eval` for the API: the same commands a local `tarmac logs`/`eval` runs (bundle/operator-commands),
 * on the server's own hosts, with every known secret of the instance redacted before anything leaves the
 * server. An eval is audited before and after with the token's name as `by`.
 */
export function operatorAccess(deps: OperatorAccessDeps): OperatorAccess {
  return {
    maxMs: deps.maxMs,
    logs: (request) => readLogs(deps, request),
    eval: (request) => evalOnHost(deps, request),
  };
}

const targetOf = (instance: Instance): FleetTarget => ({
  fleet: instance.fleet,
  hosts: instance.fleetConfig.hosts,
  ...(instance.fleetConfig.ec2_tags ? { ec2Tags: instance.fleetConfig.ec2_tags } : {}),
});

async function readLogs(deps: OperatorAccessDeps, request: OperatorLogsRequest) {
  const instance = instanceOf(deps.config, request.app, request.env);
  const redact = await secretRedactor(deps.secrets, instance);
  const all = await deps.hosts.hostsOf(targetOf(instance));
  const hosts = request.host === undefined ? all : [chooseHost(instance.fleet, all, request.host)];
  if (hosts.length === 0) throw new TarmacError(`fleet ${instance.fleet} has no hosts`, { fleet: instance.fleet });
  const reads = await Promise.all(hosts.map((host) => readHost(deps, instance, host, request.query)));
  deps.logger.info(
    { event: 'logs.read', app: instance.app, env: instance.env, by: request.by, hosts },
    `logs of ${instance.id} read by ${request.by}`,
  );
  return { unit: instance.unit, via: deps.via, reads: reads.map((read) => redactRead(read, redact)) };
}

async function readHost(deps: OperatorAccessDeps, instance: Instance, host: string, query: JournalQuery) {
  try {
    const comment = `tarmac logs ${instance.app}/${instance.env}`;
    const timeoutMs = Math.min(60_000, deps.maxMs);
    return journalReadOf(host, await deps.hosts.exec(host, journalArgv(instance, query), { timeoutMs, comment }));
  } catch (error) {
    return { host, error: `unreachable: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function redactRead(read: JournalRead, redact: Redactor): JournalRead {
  if ('error' in read) return { host: read.host, error: redact(read.error) };
  return { ...read, entries: read.entries.map((e) => ({ ...e, text: redact(e.text) })) };
}

async function evalOnHost(deps: OperatorAccessDeps, request: OperatorEvalRequest): Promise<OperatorEvalAnswer> {
  const instance = instanceOf(deps.config, request.app, request.env);
  const redact = await secretRedactor(deps.secrets, instance);
  const host = chooseHost(instance.fleet, await deps.hosts.hostsOf(targetOf(instance)), request.host);
  const session = randomBytes(4).toString('hex');
  const record = {
    id: session,
    app: instance.app,
    env: instance.env,
    host,
    kind: 'eval' as const,
    expression: redact(request.expression),
    by: request.by,
    at: deps.clock.now().toISOString(),
    via: deps.via,
  };
  const log = deps.logger.child({ correlationId: session, app: instance.app, env: instance.env, host, kind: 'eval' });
  log.info({ event: 'access.started', by: request.by, via: deps.via }, `eval on ${host}`);
  let answer: OperatorEvalAnswer | undefined;
  const timeoutMs = Math.min(request.timeoutMs, deps.maxMs);
  const comment = `tarmac eval ${instance.app}/${instance.env} by ${request.by}`;
  const exitCode = await auditedSession(
    deps.state,
    record,
    () => deps.clock.now(),
    async () => {
      const argv = releaseCommandArgv(instance, { kind: 'rpc', expression: request.expression }, session);
      const result = await deps.hosts.exec(host, argv, { timeoutMs, comment }).catch((error: unknown) => {
        const why = redact(error instanceof Error ? error.message : String(error));
        throw new NoAnswerError(`eval on ${host} gave no answer within ${Math.round(timeoutMs / 1000)} s: ${why}`, {
          host,
        });
      });
      answer = {
        host,
        unit: instance.unit,
        session,
        exitCode: result.code,
        stdout: redact(result.stdout),
        stderr: redact(result.stderr),
      };
      return result.code;
    },
  ).finally(() => log.info({ event: 'access.ended', exitCode: answer?.exitCode ?? null }, `eval on ${host} ended`));
  return { ...(answer as OperatorEvalAnswer), exitCode };
}
