/**
 * Environment variables an app may not set through `env:` or a secret name (secrets become the upper-cased
 * variable in the start wrapper). Each has a reason, given in the error. The rendered unit
 * (functions/bundle/unit.ts `serviceEnvironment`), systemd and the start wrapper set these, and some
 * would let a value take over the process (loader, shell, the release script's own paths).
 */
const RESERVED: Readonly<Record<string, string>> = {
  PORT: 'tarmac sets it from port (the health check uses it)',
  PHX_HOST: 'tarmac sets it from domain',
  RELEASE_NODE: 'tarmac derives it per instance (unique per fleet)',
  RELEASE_TMP: "tarmac points it at the instance's runtime directory",
  RELEASE_COOKIE: 'tarmac sets it from the erlang_cookie secret',
  SECRET_KEY_BASE: 'tarmac generates the secret_key_base secret',
  DATABASE_NAME: 'tarmac sets it from database',
  DATABASE_HOST: 'tarmac sets it from database',
  DATABASE_PORT: 'tarmac sets it from database',
  DATABASE_USER: 'tarmac sets it from database',
  ERL_CRASH_DUMP: 'tarmac points it at the state dir (the release dir is read-only)',
  CREDENTIALS_DIRECTORY: 'systemd sets it (LoadCredential=)',
  STATE_DIRECTORY: 'systemd sets it (StateDirectory=)',
  RUNTIME_DIRECTORY: 'systemd sets it (RuntimeDirectory=)',
  HOME: "systemd sets it for the service's user",
  USER: "systemd sets it for the service's user",
  LOGNAME: "systemd sets it for the service's user",
  SHELL: "systemd sets it for the service's user",
  INVOCATION_ID: 'systemd sets it',
  JOURNAL_STREAM: 'systemd sets it',
  NOTIFY_SOCKET: 'systemd sets it',
  MAINPID: 'systemd sets it',
  LISTEN_FDS: 'systemd sets it',
  LISTEN_PID: 'systemd sets it',
  LISTEN_FDNAMES: 'systemd sets it',
  PATH: 'it decides which programs the start wrapper and the release script run',
  IFS: 'it changes how the start wrapper (bash) splits words',
  ENV: 'a shell sources the file it names',
  BASH_ENV: 'bash sources the file it names before the start wrapper runs',
  SHELLOPTS: 'it changes the start wrapper’s shell options',
  BASHOPTS: 'it changes the start wrapper’s shell options',
  PS4: 'bash evaluates it when tracing',
  GLOBIGNORE: 'it changes the start wrapper’s globbing',
  CDPATH: 'it changes where the release script’s cd goes',
};

/** Prefixes that are reserved as a whole, with the reason. `RELEASE_` keeps two tunables open. */
const RESERVED_PREFIXES: readonly [string, string][] = [
  ['LD_', 'the dynamic loader reads LD_* variables (LD_PRELOAD runs code in every process)'],
  ['BASH_FUNC_', 'bash imports functions from BASH_FUNC_* variables'],
  ['TARMAC_', "tarmac's hooks use TARMAC_* variables"],
  ['RELEASE_', 'the release script derives RELEASE_* itself (only RELEASE_DISTRIBUTION and RELEASE_MODE may be set)'],
];

const OPEN = new Set(['RELEASE_DISTRIBUTION', 'RELEASE_MODE']);

/** Why `variable` may not be set by the app, or undefined when it may. */
export function reservedVariable(variable: string): string | undefined {
  if (Object.hasOwn(RESERVED, variable)) return RESERVED[variable];
  if (OPEN.has(variable)) return undefined;
  return RESERVED_PREFIXES.find(([prefix]) => variable.startsWith(prefix))?.[1];
}

/** The variable the start wrapper turns a credential into (see templates/start-wrapper.sh). */
export function secretVariable(secret: string): string {
  return secret === 'erlang_cookie' ? 'RELEASE_COOKIE' : secret.toUpperCase();
}
