import type { Command } from 'commander';
import type { Output } from './output';

/** Adds one or more top-level commands (with their options and actions) to the program. */
export type Register = (program: Command, out: Output) => void;

/** A top-level command: its name and one-line summary (for `tarmac --help`), and how to load it. */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  /** Imports the module that registers it — only when this command runs or its own help is asked for. */
  readonly load: () => Promise<Register>;
}

/**
 * Every top-level command, one line each: adding a command is adding its line. A module may register
 * several commands (its `load` is then on each of their lines); the summary must be the command's own
 * description (test/unit/cli/commands-registry.test.ts checks both).
 */
// biome-ignore format: one line per command, so parallel additions merge without conflicts
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'config', summary: 'work with tarmac.yml', load: async () => (await import('./commands/config')).registerConfig },
  { name: 'secrets', summary: 'manage secrets (values are never printed)', load: async () => (await import('./commands/secrets')).registerSecrets },
  { name: 'release', summary: 'release tarballs', load: async () => (await import('./commands/release')).registerRelease },
  { name: 'render', summary: 'write the deployment bundle of <app> <env> for a release tarball (checked first)', load: async () => (await import('./commands/render')).registerRender },
  { name: 'plan', summary: 'what a deploy would do, host by host', load: async () => (await import('./commands/deploy')).registerDeploy },
  { name: 'deploy', summary: 'deploy a release to an environment (newest accepted release by default)', load: async () => (await import('./commands/deploy')).registerDeploy },
  { name: 'rollback', summary: 'back to the previous successful release', load: async () => (await import('./commands/deploy')).registerDeploy },
  { name: 'promote', summary: 'the same tarball, by sha256, from one environment to another', load: async () => (await import('./commands/deploy')).registerDeploy },
  { name: 'lock', summary: 'stop deploys (manual and continuous) to an environment', load: async () => (await import('./commands/deploy')).registerDeploy },
  { name: 'unlock', summary: 'allow deploys again', load: async () => (await import('./commands/deploy')).registerDeploy },
  { name: 'status', summary: 'environments: current release, lock (and how old), pending and last deployment', load: async () => (await import('./commands/status')).registerStatus },
  { name: 'history', summary: 'recent deployments of an environment, newest first', load: async () => (await import('./commands/status')).registerStatus },
  { name: 'serve', summary: 'local mode: serve the intake (webhooks, Slack, uploads, read API) over the --data stores', load: async () => (await import('./commands/serve')).registerServe },
  { name: 'hosts', summary: 'local test hosts: real systemd booted in namespaces', load: async () => (await import('./commands/hosts')).registerHosts },
  { name: 'logs', summary: "the unit's journal from every host of the fleet, merged by time, prefixed by host, secrets redacted", load: async () => (await import('./commands/access')).registerAccess },
  { name: 'eval', summary: 'run an Elixir expression in the running release on one host (bin/<release> rpc), audited in history', load: async () => (await import('./commands/access')).registerAccess },
  { name: 'console', summary: 'a remote IEx shell in the running release on one host (bin/<release> remote), audited in history', load: async () => (await import('./commands/access')).registerAccess },
  { name: 'fleet', summary: 'fleets: which deployment holds each, and freeing a stale one', load: async () => (await import('./commands/fleet')).registerFleet },
  { name: 'init', summary: 'write a commented starter tarmac.yml (app and release from ./mix.exs) and print the next steps', load: async () => (await import('./commands/init')).registerInit },
  { name: 'releases', summary: "an app's releases: accepted (sha256, size, git, who, where each serves) and rejected (why)", load: async () => (await import('./commands/releases')).registerReleases },
  { name: 'abort', summary: 'stop the running deployment of an environment; the hosts it touched roll back (audited)', load: async () => (await import('./commands/deploy')).registerDeploy },
  { name: 'maintenance', summary: 'nginx answers 503 with the maintenance page for this instance only (on), or serves it again (off)', load: async () => (await import('./commands/deploy')).registerDeploy },
  { name: 'tokens', summary: 'API tokens for --server (named, scoped; shown once)', load: async () => (await import('./commands/tokens')).registerTokens },
];

const GLOBAL_WITH_VALUE = new Set(['--config', '--data', '--server']);

/**
 * The command `argv` (as `process.argv`) runs: its first word that is not a global option or its value
 * (`tarmac help <command>`: that command).
 */
export function invokedCommand(argv: readonly string[]): string | undefined {
  const words = argv.slice(2);
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (GLOBAL_WITH_VALUE.has(word)) i++;
    else if (!word.startsWith('-')) return word === 'help' ? words[i + 1] : word;
  }
  return undefined;
}
