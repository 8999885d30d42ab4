import type { AccessRecord } from '../../state/access';

/**
 * One history line for an operator session, in the deployment lines' columns:
 * `<at>  eval         h1   exit 0  alice  local  'IO.puts(node())'`.
 */
export function accessLine(a: AccessRecord): string {
  const ended = a.endedAt === undefined ? 'running' : a.exitCode === null ? 'no exit' : `exit ${a.exitCode}`;
  const what = a.kind === 'eval' ? `  ${JSON.stringify(a.expression ?? '')}` : '';
  return `${a.at}  ${a.kind.padEnd(12)} ${a.host.padEnd(11)} ${ended.padEnd(8)} ${a.by.padEnd(10)} via ${a.via}${what}`;
}
