import { databaseEnvironment } from '../core/config/database';
import type { Instance } from '../core/config/instances';
import { systemdEnvironment } from './quote';

/** Where AfterInstall installs the start wrapper (outside any release, so every release uses the same one). */
export const startWrapperPath = (instance: Instance) => `${instance.root}/bin/tarmac-start`;
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

/** The hardened systemd unit `tarmac-<app>-<env>.service`. */
export function renderUnit(instance: Instance): string {
  const credentials = instance.secrets.map((name) => `LoadCredential=${name}:${instance.credentialsDir}/${name}`);
  const lines = [
    '# Rendered by tarmac; installed by the AfterInstall hook. Secrets arrive as credentials, never Environment=.',
    '[Unit]',
    `Description=tarmac ${instance.app}/${instance.env} (OTP release ${instance.release})`,
    'Wants=network-online.target',
    'After=network-online.target',
    // A database on this host: start after its server (a no-op where postgresql.service does not exist).
    ...(instance.database?.kind === 'local' ? ['After=postgresql.service'] : []),
    '',
    '[Service]',
    'Type=exec',
    `User=${instance.systemUser}`,
    `Group=${instance.systemUser}`,
    `ExecStart=${startWrapperPath(instance)} start`,
    `WorkingDirectory=${stateDirPath(instance)}`,
    ...serviceEnvironmentLines(instance).map((line) => `Environment=${line}`),
    ...credentials,
    `StateDirectory=${instance.stateDirectory}`,
    'StateDirectoryMode=0750',
    `RuntimeDirectory=${instance.runtimeDirectory}`,
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
    `SyslogIdentifier=tarmac-${instance.id}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  ];
  return `${lines.join('\n')}\n`;
}
