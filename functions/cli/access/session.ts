import { randomBytes } from 'node:crypto';
import { type ReleaseCommand, releaseCommandArgv } from '../../bundle/operator-commands';
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

/** Record a session, run it, record how it ended — also when running it threw. */
async function audited(
  access: Access,
  fields: Pick<AccessRecord, 'host' | 'kind' | 'expression'>,
  run: () => Promise<number | null>,
): Promise<number | null> {
  const state = auditState(access);
  const { app, env } = access.instance;
  const record: AccessRecord = {
    id: randomBytes(6).toString('hex'),
    app,
    env,
    by: whoami(),
    at: new Date().toISOString(),
    via: access.hosts.via,
    ...fields,
  };
  await recordAccess(state, record);
  let exitCode: number | null = null;
  try {
    exitCode = await run();
    return exitCode;
  } finally {
    await finishAccess(state, record, { endedAt: new Date().toISOString(), exitCode });
  }
}

const session = () => randomBytes(4).toString('hex');

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
  const command: ReleaseCommand = { kind: 'rpc', expression };
  const argv = releaseCommandArgv(access.instance, command, session());
  const code = await audited(access, { host, kind: 'eval', expression: access.redact(expression) }, async () => {
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
  const argv = releaseCommandArgv(access.instance, { kind: 'remote' }, session());
  const code = await audited(access, { host, kind: 'console' }, () => access.hosts.attach(host, argv));
  return code === 0 ? 0 : 1;
}

function notAnswered(access: Access, host: string, code: number | null): string {
  const { instance } = access;
  return `eval on ${host} exited ${code ?? 'on a signal'} — is ${instance.unit} running there? tarmac logs ${instance.app} ${instance.env} --host ${host}\n`;
}
