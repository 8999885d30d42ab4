import { databaseEnvironment } from '../core/config/database';
import type { Instance } from '../core/config/instances';
import { systemdEnvironment } from './quote';

/** Where AfterInstall installs the start wrapper (outside any release, so every release uses the same one). */
export const startWrapperPath = (instance: Instance) => `${instance.root}/bin/tarmac-start`;
/** Where AfterInstall puts a slot's EnvironmentFile (`%i` in the template unit). */
export const slotEnvPath = (instance: Instance, slot: string) => `/etc/tarmac/${instance.id}/slot-${slot}.env`;
/** `/var/lib/<StateDirectory>`: the service's only persistent writable place, and its home and cwd. */
export const stateDirPath = (instance: Instance) => `/var/lib/${instance.stateDirectory}`;

/**
 * The service's non-secret environment, `KEY=value` pairs in unit order. The app's extra `env` comes last so
 * it can override a default (e.g. `RELEASE_DISTRIBUTION=name`). Secrets never appear here: they travel as
 * credentials (`LoadCredential=`) and become environment variables only inside the start wrapper.
 */
export function serviceEnvironment(instance: Instance): [string, string][] {
  const pairs: [string, string][] = [
    ['PORT', String(instance.port)],
    ...(instance.domain ? [['PHX_HOST', instance.domain] as [string, string]] : []),
    ['RELEASE_NODE', instance.releaseNode],
    ['RELEASE_DISTRIBUTION', 'sname'],
    ['RELEASE_TMP', `/run/${instance.runtimeDirectory}`],
    ...databaseEnvironment(instance.database),
    ['LANG', 'C.UTF-8'],
    // The release dir is read-only (ProtectSystem=strict): crash dumps go to the state dir.
    ['ERL_CRASH_DUMP', `${stateDirPath(instance)}/erl_crash.dump`],
  ];
  return [...pairs, ...Object.entries(instance.env_)];
}

/** `Environment=` values quoted for the unit file, or for the migration's `systemd-run -p Environment=`. */
export function serviceEnvironmentLines(instance: Instance, target: 'unit' | 'systemd-run' = 'unit'): string[] {
  return serviceEnvironment(instance).map(([key, value]) => systemdEnvironment(key, value, target));
}

/** What differs per slot: each slot's EnvironmentFile sets these (see ./slots.ts). */
export const SLOT_VARIABLES = new Set(['PORT', 'RELEASE_NODE', 'RELEASE_TMP']);

/**
 * The hardened systemd unit: `tarmac-<app>-<env>.service`, or with `slot` the template
 * `tarmac-<app>-<env>@.service` whose instances `@blue` and `@green` each get their port, node name and
 * runtime directory from `slot-%i.env` and run the release their `slots/%i` link points at.
 */
export function renderUnit(instance: Instance, slot = false): string {
  const credentials = instance.secrets.map((name) => `LoadCredential=${name}:${instance.credentialsDir}/${name}`);
  const environment = serviceEnvironment(instance)
    .filter(([key]) => !(slot && SLOT_VARIABLES.has(key)))
    .map(([key, value]) => `Environment=${systemdEnvironment(key, value)}`);
  const lines = [
    '# Rendered by tarmac; installed by the AfterInstall hook. Secrets arrive as credentials, never Environment=.',
    '[Unit]',
    `Description=tarmac ${instance.app}/${instance.env}${slot ? ' slot %i' : ''} (OTP release ${instance.release})`,
    'Wants=network-online.target',
    'After=network-online.target',
    // A database on this host: start after its server (a no-op where postgresql.service does not exist).
    ...(instance.database?.kind === 'local' ? ['After=postgresql.service'] : []),
    '',
    '[Service]',
    'Type=exec',
    `User=${instance.systemUser}`,
    `Group=${instance.systemUser}`,
    `ExecStart=${startWrapperPath(instance)}${slot ? ' --slot %i' : ''} start`,
    `WorkingDirectory=${stateDirPath(instance)}`,
    ...environment,
    ...(slot ? [`EnvironmentFile=${slotEnvPath(instance, '%i')}`] : []),
    ...credentials,
    `StateDirectory=${instance.stateDirectory}`,
    'StateDirectoryMode=0750',
    // Each slot its own: systemd removes a runtime directory when its unit stops.
    `RuntimeDirectory=${instance.runtimeDirectory}${slot ? '-%i' : ''}`,
    'RuntimeDirectoryMode=0750',
    'Restart=on-failure',
    'RestartSec=5',
    'TimeoutStopSec=30',
    'LimitNOFILE=65536',
    'UMask=0027',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectControlGroups=yes',
    'RestrictSUIDSGID=yes',
    'RemoveIPC=yes',
    `SyslogIdentifier=tarmac-${instance.id}${slot ? '-%i' : ''}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  ];
  return `${lines.join('\n')}\n`;
}
