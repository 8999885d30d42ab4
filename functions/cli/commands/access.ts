import type { Command } from 'commander';
import { pluginSession } from '../../adapters/aws/ssm-session';
import { TarmacError } from '../../core/errors';
import { pickHost } from '../access/context';
import { deploymentWindow, type JournalSource, localJournals } from '../access/logs';
import { evalOnServer, serverJournals } from '../access/remote';
import { consoleViaServer } from '../access/remote-console';
import { consoleOnHost, evalOnHost, printEval } from '../access/session';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';
import { remoteCapable, serverFor } from '../server-mode';
import { count, followLogs, refuseAwsWithServer, withAccess } from './access-run';

interface LogsFlags {
  host?: string;
  lines?: string;
  follow?: boolean;
  deployment?: string;
  aws?: boolean;
  pollMs?: string;
}

const AWS_FLAG = 'through SSM with this shell’s AWS credentials (the fleet’s ec2_tags find the instances)';

export function registerAccess(program: Command, out: Output): void {
  remoteCapable(program.command('logs'))
    .description("the unit's journal from every host of the fleet, merged by time, prefixed by host, secrets redacted")
    .argument('<app>')
    .argument('<env>')
    .option('--host <host>', 'only this host')
    .option('--lines <n>', 'the last N entries of each host (default 100; with --deployment: all of its window)')
    .option('--follow', 'keep printing new entries until Ctrl-C')
    .option('--deployment <id>', "only the entries from that deployment's start to its end")
    .option('--aws', AWS_FLAG)
    .addOption(program.createOption('--poll-ms <ms>', 'how often --follow asks each host').hideHelp())
    .action(async (app: string, env: string, flags: LogsFlags) => {
      const options = { ...program.opts<GlobalOptions>(), aws: flags.aws };
      const lines = count('--lines', flags.lines, 100, 100_000);
      // All of a deployment's window unless --lines says otherwise.
      const query = flags.lines !== undefined || !flags.deployment ? { lines } : {};
      const show = async (source: JournalSource, query: { lines?: number }, pollMs: number) => {
        const failed = await followLogs(out, {
          source,
          query,
          follow: Boolean(flags.follow),
          pollMs: count('--poll-ms', flags.pollMs, pollMs, 600_000),
          json: Boolean(options.json),
        });
        if (failed.length > 0) out.exitCode = 1;
      };
      const server = serverFor(options);
      if (server) {
        refuseAwsWithServer(options, 'logs');
        const remote = { app, env, host: flags.host, deployment: flags.deployment, follow: Boolean(flags.follow) };
        return show(serverJournals(server, { ...remote, ...query }), query, 2000);
      }
      await withAccess(options, app, env, 'logs', async (access) => {
        const window = flags.deployment ? await deploymentWindow(access, flags.deployment, Boolean(flags.follow)) : {};
        const hosts = flags.host
          ? [await pickHost(access, flags.host)]
          : await access.hosts.fleetHosts(access.instance);
        if (hosts.length === 0) throw new TarmacError(`fleet ${access.instance.fleet} has no hosts`);
        await show(localJournals(access, hosts), { ...window, ...query }, access.hosts.via === 'aws' ? 5000 : 1000);
      });
    });

  remoteCapable(program.command('eval'))
    .description('run an Elixir expression in the running release on one host (bin/<release> rpc), audited in history')
    .argument('<app>')
    .argument('<env>')
    .argument('<expression>')
    .option('--host <host>', 'which host (required when the fleet has several)')
    .option('--timeout <seconds>', 'give up after this long', '60')
    .option('--aws', AWS_FLAG)
    .action(
      async (
        app: string,
        env: string,
        expression: string,
        flags: { host?: string; timeout: string; aws?: boolean },
      ) => {
        const options = { ...program.opts<GlobalOptions>(), aws: flags.aws };
        const timeout = count('--timeout', flags.timeout, 60, 3600);
        const server = serverFor(options);
        if (server) {
          refuseAwsWithServer(options, 'eval');
          const answer = await evalOnServer(server, { app, env, host: flags.host, expression, timeoutSec: timeout });
          out.exitCode = printEval(answer, { app, env }, out);
          return;
        }
        await withAccess(options, app, env, 'eval', async (access) => {
          out.exitCode = await evalOnHost(access, await pickHost(access, flags.host), expression, out, timeout * 1000);
        });
      },
    );

  remoteCapable(program.command('console'))
    .description('a remote IEx shell in the running release on one host (bin/<release> remote), audited in history')
    .argument('<app>')
    .argument('<env>')
    .option('--host <host>', 'which host (required when the fleet has several)')
    .option('--aws', `${AWS_FLAG}; needs the Session Manager plugin`)
    .action(async (app: string, env: string, flags: { host?: string; aws?: boolean }) => {
      const options = { ...program.opts<GlobalOptions>(), aws: flags.aws };
      if (!process.stdin.isTTY) {
        throw new TarmacError('tarmac console needs a terminal (stdin is not one) — for scripts use tarmac eval');
      }
      const server = serverFor(options);
      if (server) {
        if (flags.aws) throw new TarmacError('give either --aws or --server, not both: the server reaches the hosts');
        const code = await consoleViaServer(server, { app, env, host: flags.host }, pluginSession);
        out.exitCode = code === 0 ? 0 : 1;
        return;
      }
      await withAccess(options, app, env, 'console', async (access) => {
        out.exitCode = await consoleOnHost(access, await pickHost(access, flags.host));
      });
    });
}
