import { randomBytes } from 'node:crypto';
import { releaseCommandArgv } from '../../bundle/operator-commands';
import { TarmacError } from '../../core/errors';
import type { OperatorEvalAnswer } from '../../ports';
import { type AccessRecord, auditedSession } from '../../state/access';
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
 * Record a session, run it, record how it ended. The session id is its correlation id: the history record,
 * the log events and the transient unit on the host (`tarmac-<app>-<env>-rpc-<id>`) all carry it.
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
  const log = access.logger.child({ correlationId: id, app, env, host: record.host, kind: record.kind });
  log.info({ event: 'access.started', by: record.by, via: record.via }, `${record.kind} on ${record.host}`);
  let exitCode: number | null = null;
  try {
    exitCode = await auditedSession(
      state,
      record,
      () => new Date(),
      () => run(id),
    );
    return exitCode;
  } finally {
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
  let answer: OperatorEvalAnswer | undefined;
  await audited(access, fields, async (session) => {
    const argv = releaseCommandArgv(access.instance, { kind: 'rpc', expression }, session);
    const result = await access.hosts.exec(host, argv, { timeoutMs });
    const { redact, instance } = access;
    answer = { host, unit: instance.unit, session, exitCode: result.code, ...redactedOutput(result, redact) };
    return result.code;
  });
  return printEval(answer as OperatorEvalAnswer, access.instance, out);
}

const redactedOutput = (r: { stdout: string; stderr: string }, redact: (t: string) => string) => ({
  stdout: redact(r.stdout),
  stderr: redact(r.stderr),
});

/**
 * Print an eval's answer (already redacted, from this process or a server) and give the exit status: its
 * output as it came, and on a failure what to look at next. The same lines locally and with `--server`.
 */
export function printEval(
  answer: OperatorEvalAnswer,
  names: { readonly app: string; readonly env: string },
  out: Output,
): number {
  if (answer.stdout) out.write(answer.stdout);
  if (answer.stderr) out.error(answer.stderr);
  if (answer.exitCode === 0) return 0;
  out.error(
    `eval on ${answer.host} exited ${answer.exitCode ?? 'on a signal'} — is ${answer.unit} running there? tarmac logs ${names.app} ${names.env} --host ${answer.host}\n`,
  );
  return 1;
}

/** `tarmac console`: `bin/<release> remote` on one host, attached to this terminal. */
export async function consoleOnHost(access: Access, host: string): Promise<number> {
  const code = await audited(access, { host, kind: 'console' }, (session) =>
    access.hosts.attach(host, releaseCommandArgv(access.instance, { kind: 'remote' }, session)),
  );
  return code === 0 ? 0 : 1;
}
