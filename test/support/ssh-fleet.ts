import { parseConfig, type SshHost, sshHostsOf, type TarmacConfig } from '../../functions/core/config';
import { run } from '../../functions/hosts/run';
import { targetOf } from '../../functions/hosts/ssh/args';
import { knownHostsFile, SshHosts } from '../../functions/hosts/ssh/ssh-hosts';
import { pinHosts, scanHost } from '../../functions/hosts/ssh/trust';
import type { Logger } from '../../functions/log';
import type { TestHosts } from './hosts';
import { exampleConfigText } from './local-deploy';

/**
 * The example configuration with fleet web's h1 and h2 as SSH servers: the test hosts' sshd, user deploy
 * (sudo) with the test hosts' key. Optionally another migrate expression.
 */
export async function sshConfig(hosts: TestHosts, migrate?: string): Promise<TarmacConfig> {
  const key = await hosts.manager.sshKey();
  const ssh = hosts.hosts
    .map((h) => `      ${h.name}: { address: deploy@${h.address}, identity_file: ${key.privateKeyFile} }`)
    .join('\n');
  let text = exampleConfigText().replace('    hosts: [h1, h2]\n', `    hosts: [h1, h2]\n    ssh:\n${ssh}\n`);
  if (migrate) text = text.replace('migrate: Hello.Release.migrate()', `migrate: ${JSON.stringify(migrate)}`);
  return parseConfig(text, 'ssh-test.yml');
}

/** SshHosts for the configuration, with every server's key pinned as `tarmac hosts trust web --yes` would. */
export async function trustedSshHosts(dataDir: string, config: TarmacConfig, logger?: Logger): Promise<SshHosts> {
  const servers = sshHostsOf(config);
  await pin(dataDir, servers, []);
  return new SshHosts({ dataDir, hosts: servers, ...(logger ? { logger } : {}) });
}

export async function pin(dataDir: string, servers: Map<string, SshHost>, replace: string[]) {
  const file = knownHostsFile(dataDir, 'web');
  const targets = new Map(
    [...servers].map(([name, s]) => [
      name,
      targetOf(s, { knownHosts: (f) => knownHostsFile(dataDir, f), control: '' }),
    ]),
  );
  const scanned = await Promise.all([...targets.values()].map((t) => scanHost(t, file)));
  pinHosts(file, scanned, targets, replace);
  return scanned;
}

/**
 * Watch every process of the hosts while something runs: `argv … | env …` of each, sampled through nsenter
 * (the test's own eyes, not the deployer's path) every 100 ms until `stop()`.
 */
export function watchProcesses(hosts: TestHosts) {
  const seen = new Set<string>();
  let running = true;
  const script =
    'for p in /proc/[0-9]*; do a=$(tr "\\000" " " <"$p/cmdline" 2>/dev/null); [ -n "$a" ] || continue; printf "argv %s | env %s\\n" "$a" "$(tr "\\000" " " <"$p/environ" 2>/dev/null)"; done';
  const loop = (async () => {
    while (running) {
      for (const host of hosts.hosts) {
        const result = await run(['nsenter', '-t', String(host.pid1), '-a', 'sh', '-c', script], { timeoutMs: 10_000 });
        for (const line of result.stdout.split('\n')) if (line) seen.add(line);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop(): Promise<string[]> {
      running = false;
      await loop;
      return [...seen];
    },
  };
}
