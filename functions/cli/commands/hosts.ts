import type { Command } from 'commander';
import { HostManager, type HostRecord, SSH_TEST_USER } from '../../hosts/manager';
import { startPostgresql } from '../../hosts/postgres';
import { createLogger } from '../../log';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';
import { registerHostsTrust } from './hosts-trust';

/** `tarmac hosts up <n> | down | kill <name> | list`: local test hosts (systemd in namespaces) under `<data>/hosts`. */
export function registerHosts(program: Command, out: Output): void {
  const hosts = program.command('hosts').description('local test hosts: real systemd booted in namespaces');
  const manager = () => {
    const { data } = program.opts<GlobalOptions>();
    return new HostManager({ dataDir: data, logger: createLogger({ level: 'warn' }) });
  };
  const print = (records: readonly HostRecord[], verb: string) => {
    if (program.opts<GlobalOptions>().json) {
      out.write(`${JSON.stringify(records)}\n`);
      return;
    }
    if (records.length === 0) out.write(`no hosts ${verb}\n`);
    for (const h of records) {
      const ssh = h.ssh ? `  ssh ${h.ssh.user}@${h.address}` : '';
      out.write(`${h.name}  ${h.address}  pid1 ${h.pid1}  ${verb}${ssh}\n`);
    }
  };

  hosts
    .command('up')
    .description(
      'boot hosts h1..hN (those not already running); each answers on 10.213.N.2 (10.<213+S>.N.2 with TARMAC_HOST_SET=S)',
    )
    .argument('<n>', 'number of hosts')
    .option('--postgresql', 'start PostgreSQL in every host (for instances with a local database)')
    .option('--ssh', `run sshd in every host; user ${SSH_TEST_USER} logs in with <data>/hosts/ssh/id_ed25519 (sudo)`)
    .action(async (n: string, options: { postgresql?: boolean; ssh?: boolean }) => {
      const hostManager = manager();
      const records = await hostManager.up(Number(n), { ssh: options.ssh ?? false });
      if (options.postgresql)
        await startPostgresql(
          hostManager,
          records.map((h) => h.name),
        );
      print(records, options.postgresql ? 'running, with PostgreSQL' : 'running');
    });

  registerHostsTrust(hosts, program, out);

  hosts
    .command('down')
    .description('stop every host booted from this data dir')
    .action(async () => print(await manager().down(), 'stopped'));

  hosts
    .command('kill')
    .description("fault injection: kill a host's PID 1, as a crashed machine (tarmac hosts up <n> boots it again)")
    .argument('<name>', 'host name, e.g. h2')
    .action(async (name: string) => print([await manager().kill(name)], 'killed'));

  hosts
    .command('list')
    .description('hosts running from this data dir')
    .action(async () => print(await manager().list(), 'running'));
}
