import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { findFleet, sshHostsOf } from '../../core/config';
import { TarmacError } from '../../core/errors';
import { type SshTarget, targetOf } from '../../hosts/ssh/args';
import { knownHostsFile } from '../../hosts/ssh/ssh-hosts';
import { pinHosts, scanHost } from '../../hosts/ssh/trust';
import { loadConfig } from '../context';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';

/**
 * `tarmac hosts trust <fleet> [--yes] [--replace <host>…]`: fetch the host keys of the fleet's SSH servers,
 * show their fingerprints, and pin them in `<data>/ssh/known_hosts/<fleet>` once confirmed. tarmac connects
 * to no server whose key is not pinned there; a changed key is only replaced when named with --replace.
 */
export function registerHostsTrust(hosts: Command, program: Command, out: Output): void {
  hosts
    .command('trust')
    .description("pin the host keys of a fleet's SSH servers (shows their fingerprints first)")
    .argument('<fleet>', 'fleet name')
    .option('--yes', 'pin without asking (check the fingerprints another way first)')
    .option('--replace <hosts...>', 'replace the pinned key of these hosts (their key changed)', [])
    .action(async (fleet: string, options: { yes?: boolean; replace: string[] }) => {
      const globals = program.opts<GlobalOptions>();
      const config = loadConfig(globals);
      if (!findFleet(config, fleet)) {
        throw new TarmacError(`unknown fleet ${fleet} (known: ${Object.keys(config.fleets).join(', ')})`, { fleet });
      }
      const file = knownHostsFile(globals.data, fleet);
      const servers = [...sshHostsOf(config).values()].filter((h) => h.fleets.includes(fleet));
      if (servers.length === 0) {
        throw new TarmacError(`fleet ${fleet} has no SSH hosts — add them under fleets.${fleet}.ssh`, { fleet });
      }
      const targets = new Map<string, SshTarget>(
        servers.map((s) => [s.name, targetOf(s, { knownHosts: (f) => knownHostsFile(globals.data, f), control: '' })]),
      );
      const scanned = await Promise.all([...targets.values()].map((t) => scanHost(t, file)));
      for (const s of scanned) {
        out.write(`${s.name}  ${s.target}  ${s.status.toUpperCase()}\n`);
        for (const print of s.fingerprints) out.write(`  ${print}\n`);
      }
      if (scanned.every((s) => s.status === 'unchanged')) {
        out.write(`every host key of fleet ${fleet} is already pinned in ${file}\n`);
        return;
      }
      if (!options.yes && !(await confirm(`pin these keys for fleet ${fleet}? [y/N] `))) {
        throw new TarmacError(
          'nothing pinned — compare the fingerprints with the servers, then run again (--yes when not on a terminal)',
        );
      }
      pinHosts(file, scanned, targets, options.replace);
      out.write(`pinned ${scanned.length} host(s) of fleet ${fleet} in ${file}\n`);
    });
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
