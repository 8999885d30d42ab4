import { existsSync, readFileSync, rmSync } from 'node:fs';
import { parseConfig, sshHostsOf } from '../functions/core/config';
import { HostManager, type HostRecord } from '../functions/hosts/manager';
import { targetOf } from '../functions/hosts/ssh/args';
import { knownHostsFile } from '../functions/hosts/ssh/ssh-hosts';
import { pinHosts, scanHost } from '../functions/hosts/ssh/trust';

/** Stop the hosts booted from this data dir (by their PIDs), optionally wiping the dir for a fresh run. */
export async function teardown(
  dataDir: string,
  say: (text: string) => void,
  options: { wipe: boolean },
): Promise<void> {
  if (!existsSync(dataDir)) return;
  const stopped = await new HostManager({ dataDir }).down();
  for (const host of stopped) say(`stopped ${host.name} (PID 1 = ${host.pid1})`);
  if (options.wipe) rmSync(dataDir, { recursive: true, force: true });
}

/** The last lines of a file, or '' when it does not exist. */
export function tailOf(file: string, lines: number): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * `--ssh`: the demo's fleet as servers reached over SSH — the hosts' sshd, user deploy with sudo, the test
 * hosts' key — instead of local test hosts, then their host keys pinned as `tarmac hosts trust web --yes`.
 */
export async function sshDemoConfig(
  configText: string,
  hosts: readonly HostRecord[],
  keyFile: string,
  dataDir: string,
  say: (text: string) => void,
): Promise<string> {
  const entries = hosts.map((h) => `      ${h.name}: { address: deploy@${h.address}, identity_file: ${keyFile} }`);
  const text = configText.replace('    hosts: [h1, h2]\n', `    hosts: [h1, h2]\n    ssh:\n${entries.join('\n')}\n`);
  if (text === configText)
    throw new Error('the demo configuration has no "hosts: [h1, h2]" line to add SSH servers to');
  const config = parseConfig(text, 'demo --ssh');
  const file = knownHostsFile(dataDir, 'web');
  const targets = new Map(
    [...sshHostsOf(config)].map(([name, s]) => [
      name,
      targetOf(s, { knownHosts: (f) => knownHostsFile(dataDir, f), control: '' }),
    ]),
  );
  const scanned = await Promise.all([...targets.values()].map((t) => scanHost(t, file)));
  for (const s of scanned)
    say(`${s.name} ${s.target}: ${s.fingerprints.find((p) => p.includes('ED25519')) ?? s.fingerprints[0]}`);
  pinHosts(file, scanned, targets, []);
  say(`pinned in ${file}; tarmac reaches h1 and h2 over SSH only from here on`);
  return text;
}
