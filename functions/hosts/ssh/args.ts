import { homedir } from 'node:os';
import type { SshHost } from '../../core/config/ssh-hosts';

/** One SSH server as the client needs it. */
export interface SshTarget {
  readonly name: string;
  readonly user: string;
  readonly host: string;
  readonly port: number;
  readonly identityFile?: string;
  /** The pinned known_hosts of every fleet listing the server (ssh accepts a key pinned in any of them). */
  readonly knownHosts: readonly string[];
  /** Where the master connection's socket lives (0700 dir under the data dir). */
  readonly controlPath: string;
  /** The fleet to name in `tarmac hosts trust <fleet>`. */
  readonly fleet: string;
}

/** `deploy@10.0.0.5:22`, as errors name a server. */
export const describeTarget = (t: Pick<SshTarget, 'user' | 'host' | 'port'>) => `${t.user}@${t.host}:${t.port}`;

/** Split `user@host` (user root when absent) and expand `~/` in the identity file. */
export function targetOf(ssh: SshHost, paths: { knownHosts: (fleet: string) => string; control: string }): SshTarget {
  const at = ssh.address.lastIndexOf('@');
  const host = at >= 0 ? ssh.address.slice(at + 1) : ssh.address;
  const identity = ssh.identity_file?.replace(/^~\//, `${homedir()}/`);
  return {
    name: ssh.name,
    user: at >= 0 ? ssh.address.slice(0, at) : 'root',
    host: host.replace(/^\[(.*)\]$/, '$1'),
    port: ssh.port,
    ...(identity ? { identityFile: identity } : {}),
    knownHosts: ssh.fleets.map(paths.knownHosts),
    controlPath: `${paths.control}/${ssh.name}`,
    fleet: ssh.fleets[0] ?? '',
  };
}

/**
 * The options of every ssh call: no user or system config (`-F none`), never a prompt, host keys checked
 * strictly against the pinned files only, keep-alives that notice a dead link in ~15 s, and the master
 * connection's socket. Plain data, so it is tested by equality.
 */
export function sshOptions(t: SshTarget): string[] {
  const o = (option: string) => ['-o', option];
  return [
    '-F',
    'none',
    ...o('BatchMode=yes'),
    ...o('StrictHostKeyChecking=yes'),
    ...o(`UserKnownHostsFile=${t.knownHosts.join(' ')}`),
    ...o('GlobalKnownHostsFile=/dev/null'),
    ...o('CheckHostIP=no'),
    ...o('ConnectTimeout=10'),
    ...o('ServerAliveInterval=5'),
    ...o('ServerAliveCountMax=3'),
    ...o('LogLevel=ERROR'),
    ...o(`ControlPath=${t.controlPath}`),
    ...(t.identityFile ? ['-i', t.identityFile, ...o('IdentitiesOnly=yes')] : []),
    '-p',
    String(t.port),
    '-l',
    t.user,
  ];
}

/** Start the master connection in the background (`-f` once authenticated); it exits after 5 idle minutes. */
export const masterArgv = (t: SshTarget) => [
  'ssh',
  ...sshOptions(t),
  '-M',
  '-N',
  '-f',
  '-o',
  'ControlPersist=300',
  '--',
  t.host,
];

/** One command over the master connection (`ControlMaster=no`: never becomes a master itself). */
export const sessionArgv = (t: SshTarget, remoteCommand: string) => [
  'ssh',
  ...sshOptions(t),
  '-o',
  'ControlMaster=no',
  '--',
  t.host,
  remoteCommand,
];

/** Ask (`check`) or stop (`exit`) the master connection. */
export const controlArgv = (t: SshTarget, command: 'check' | 'exit') => [
  'ssh',
  ...sshOptions(t),
  '-O',
  command,
  '--',
  t.host,
];
