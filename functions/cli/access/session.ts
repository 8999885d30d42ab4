import { randomBytes } from 'node:crypto';
import { releaseCommandArgv } from '../../bundle/operator-commands';
import { TarmacError } from '../../core/errors';
import { type AccessRecord, finishAccess, recordAccess } from '../../state/access';
import { whoami } from '../local-client';
import type { Output } from '../output';
import type { Access } from './context';

/** Where the audit record goes, or why there is none (the command is then refused: access is always audited). */
function auditState(access: Access) {
  if (access.state) return access.state;
  throw new TarmacError(
    'eval and console are recorded in the environment history, and --aws has no state table to record them in — set TARMAC_STATE_TABLE (the stack output StateTableName)',
  );
}

/**
 * Record a session, run it, record how it ended — also when running it threw. The session id is its
 * correlation id: the history record, the log events and the transient unit on the host
 * (`tarmac-<app>-<env>-rpc-<id>`) all carry it.
 */
async function audited(
  access: Access,
  fields: Pick<AccessRecord, 'host' | 'kind' | 'expression'>,
  run: (session: string) => Promise<number | null>,
): Promise<number | null> {
  const state = auditState(access);
  const { app, env } = access.instance;
  const id = randomBytes(4).toString('hex');
  const record: AccessRecord = {
    id,
    app,
    env,
    by: whoami(),
    at: new Date().toISOString(),
    via: access.hosts.via,
    ...fields,
  };
  await recordAccess(state, record);
  const log = access.logger.child({ correlationId: id, app, env, host: record.host, kind: record.kind });
  log.info({ event: 'access.started', by: record.by, via: record.via }, `${record.kind} on ${record.host}`);
  let exitCode: number | null = null;
  try {
    exitCode = await run(id);
    return exitCode;
  } finally {
    await finishAccess(state, record, { endedAt: new Date().toISOString(), exitCode });
    log.info({ event: 'access.ended', exitCode }, `${record.kind} on ${record.host} ended`);
  }
}

/**
 * `tarmac eval`: `bin/<release> rpc EXPR` on one host — the expression runs inside the service's own VM, so it
 * sees exactly the service's environment and credentials. Its answer is printed with secrets redacted.
 */
export async function evalOnHost(
  access: Access,
  host: string,
  expression: string,
  out: Output,
  timeoutMs = 60_000,
): Promise<number> {
  const fields = { host, kind: 'eval' as const, expression: access.redact(expression) };
  const code = await audited(access, fields, async (session) => {
    const argv = releaseCommandArgv(access.instance, { kind: 'rpc', expression }, session);
    const result = await access.hosts.exec(host, argv, { timeoutMs });
    if (result.stdout) out.write(access.redact(result.stdout));
    if (result.stderr) out.error(access.redact(result.stderr));
    if (result.code !== 0) out.error(notAnswered(access, host, result.code));
    return result.code;
  });
  return code === 0 ? 0 : 1;
}

/** `tarmac console`: `bin/<release> remote` on one host, attached to this terminal. */
export async function consoleOnHost(access: Access, host: string): Promise<number> {
  const code = await audited(access, { host, kind: 'console' }, (session) =>
    access.hosts.attach(host, releaseCommandArgv(access.instance, { kind: 'remote' }, session)),
  );
  return code === 0 ? 0 : 1;
}

function notAnswered(access: Access, host: string, code: number | null): string {
  const { instance } = access;
  return `eval on ${host} exited ${code ?? 'on a signal'} — is ${instance.unit} running there? tarmac logs ${instance.app} ${instance.env} --host ${host}\n`;
}
