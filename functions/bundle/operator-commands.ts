import type { Instance } from '../core/config/instances';
import type { JournalQuery } from '../core/journal';
import { serviceEnvironmentLines, startWrapperPath, stateDirPath } from './unit';

/**
 * What an operator's `tarmac logs`, `eval` and `console` run on a host, as plain argv (tested by equality;
 * the Hosts implementation — nsenter, ssh, SSM — runs it as root). They sit beside the unit because they
 * must see the instance exactly as its unit does.
 */

export type { JournalQuery };

/**
 * `journalctl` for the instance's unit (the release's output and systemd's own lines about the unit), in
 * `short-unix` so entries of several hosts merge by time, and with the cursor to go on from.
 */
export function journalArgv(instance: Instance, query: JournalQuery): string[] {
  return [
    'journalctl',
    `--unit=${instance.unit}`,
    '--output=short-unix',
    '--no-pager',
    '--quiet',
    '--show-cursor',
    ...(query.since !== undefined ? [`--since=@${Math.floor(query.since)}`] : []),
    ...(query.until !== undefined ? [`--until=@${Math.ceil(query.until)}`] : []),
    ...(query.afterCursor !== undefined ? [`--after-cursor=${query.afterCursor}`] : []),
    ...(query.lines !== undefined ? [`--lines=${query.lines}`] : []),
  ];
}

export type ReleaseCommand = { readonly kind: 'rpc'; readonly expression: string } | { readonly kind: 'remote' };

/** The transient unit of one operator session: `tarmac-<app>-<env>-<rpc|remote>-<session>`. */
export const sessionUnit = (instance: Instance, kind: ReleaseCommand['kind'], session: string) =>
  `tarmac-${instance.id}-${kind}-${session}`;

/**
 * `bin/<release> rpc EXPR` or `remote` through the start wrapper, in a transient unit with the service's
 * user, credentials (so the wrapper installs the same `$HOME/.erlang.cookie`), environment and hardening —
 * as ApplicationStart runs the migration. Its own runtime directory keeps it from removing the service's
 * when it ends; `rpc`/`remote` pick a node name of their own, so the service's node name is not taken.
 * `remote` gets a terminal (`--pty`), `rpc` the caller's pipes.
 */
export function releaseCommandArgv(instance: Instance, command: ReleaseCommand, session: string): string[] {
  const runtime = `${instance.runtimeDirectory}-${command.kind}-${session}`;
  const props = [
    `User=${instance.systemUser}`,
    `Group=${instance.systemUser}`,
    `WorkingDirectory=${stateDirPath(instance)}`,
    `StateDirectory=${instance.stateDirectory}`,
    `RuntimeDirectory=${runtime}`,
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'LimitNOFILE=65536',
    ...instance.secrets.map((name) => `LoadCredential=${name}:${instance.credentialsDir}/${name}`),
    ...serviceEnvironmentLines(instance, 'systemd-run').map((line) => `Environment=${line}`),
    `Environment=RELEASE_TMP=/run/${runtime}`,
  ];
  // The service manager expands $VAR and $$ in a transient unit's command line: every $ doubled, the
  // expression reaches the release unchanged. (split/join: a replacement string would read `$$` as one `$`.)
  const args = command.kind === 'rpc' ? ['rpc', command.expression.split('$').join('$$')] : ['remote'];
  return [
    'systemd-run',
    '--quiet',
    '--wait',
    '--collect',
    '--service-type=exec',
    command.kind === 'rpc' ? '--pipe' : '--pty',
    `--unit=${sessionUnit(instance, command.kind, session)}`,
    ...props.flatMap((p) => ['-p', p]),
    startWrapperPath(instance),
    ...args,
  ];
}
