import { join } from 'node:path';
import { pino } from 'pino';
import { DynamoStateStore } from '../../adapters/aws/dynamodb-state';
import { SsmHosts } from '../../adapters/aws/ssm-hosts';
import { SsmSecretStore } from '../../adapters/aws/ssm-secrets';
import { openLocalAdapters } from '../../adapters/local';
import { type Instance, instanceOf, sshHostsOf } from '../../core/config';
import { TarmacError } from '../../core/errors';
import { chooseHost } from '../../core/host-choice';
import type { Redactor } from '../../core/redact';
import { FleetHosts } from '../../hosts/fleet-hosts';
import { HostManager } from '../../hosts/manager';
import { SshHosts } from '../../hosts/ssh/ssh-hosts';
import { createLogger, type Logger, silentLogger } from '../../log';
import type { StateStore } from '../../ports';
import { loadConfig } from '../context';
import type { GlobalOptions } from '../main';
import { secretRedactor } from './redaction';

/** What logs, eval and console need from the hosts of either mode: the local hosts, or SSM on EC2. */
export interface AccessHosts {
  /** `local` (the local hosts of `--data`) or `aws` (SSM). */
  readonly via: 'local' | 'aws';
  /** The fleet's hosts: local host names from tarmac.yml, or the running EC2 instances carrying its `ec2_tags`. */
  fleetHosts(instance: Instance): Promise<string[]>;
  exec(
    host: string,
    argv: readonly string[],
    options?: { timeoutMs?: number },
  ): Promise<{ code: number | null; stdout: string; stderr: string }>;
  attach(host: string, argv: readonly string[]): Promise<number | null>;
}

/** An instance opened for operator access: its hosts, its stores, and a redactor of every secret it knows. */
export interface Access {
  readonly instance: Instance;
  readonly hosts: AccessHosts;
  /** The state store (history, deployments); on AWS only when `TARMAC_STATE_TABLE` is set. */
  readonly state: StateStore | undefined;
  readonly redact: Redactor;
  /** Where the sessions' start and end events go (local: `<data>/tarmac.log`). */
  readonly logger: Logger;
  close(): void | Promise<void>;
}

export interface AccessOptions extends GlobalOptions {
  /** Reach the hosts through SSM with this shell's AWS credentials (else the local hosts of `--data`). */
  readonly aws?: boolean;
}

/** Refuse `--server` where a command opens the hosts itself (never a silent local run); logs and eval branch before. */
export function refuseServer(options: GlobalOptions, command: string): void {
  if (!options.server) return;
  throw new TarmacError(
    `tarmac ${command} does not work with --server yet — run it without --server where tarmac.yml is (local hosts: the same --data; AWS: --aws with AWS credentials)`,
    { command, server: options.server },
  );
}

/** Open `<app>/<env>` for access in the mode the options ask for; `comment` names the command in SSM. */
export async function openAccess(options: AccessOptions, app: string, env: string, comment: string): Promise<Access> {
  const config = loadConfig(options);
  const instance = instanceOf(config, app, env);
  if (options.aws) return openAws(instance, comment);
  const adapters = openLocalAdapters(options.data);
  // The deployer's hosts: the configuration's SSH servers, every other name a local test host.
  const ssh = new SshHosts({ dataDir: options.data, hosts: sshHostsOf(config) });
  const manager = new FleetHosts(new HostManager({ dataDir: options.data }), ssh);
  try {
    const hosts: AccessHosts = {
      via: 'local',
      fleetHosts: async (i) => [...i.fleetConfig.hosts],
      exec: (host, argv, o) => manager.exec(host, argv, o),
      attach: (host, argv) => manager.attach(host, argv),
    };
    return {
      instance,
      hosts,
      state: adapters.state,
      redact: await secretRedactor(adapters.secrets, instance),
      logger: dataDirLogger(options.data),
      close: async () => {
        adapters.close();
        await manager.close(); // the SSH masters this command opened, if any
      },
    };
  } catch (error) {
    adapters.close();
    throw error;
  }
}

async function openAws(instance: Instance, comment: string): Promise<Access> {
  const tags = instance.fleetConfig.ec2_tags;
  if (!tags) {
    throw new TarmacError(
      `fleet ${instance.fleet} has no ec2_tags, so --aws cannot find its instances — add fleets.${instance.fleet}.ec2_tags to tarmac.yml`,
      { fleet: instance.fleet },
    );
  }
  const ssm = new SsmHosts({ comment: `${comment} ${instance.app}/${instance.env}` });
  const table = process.env.TARMAC_STATE_TABLE;
  const hosts: AccessHosts = {
    via: 'aws',
    fleetHosts: () => ssm.fleetInstances(tags),
    exec: (host, argv, o) => ssm.exec(host, argv, o),
    attach: (host, argv) => ssm.attach(host, argv),
  };
  return {
    instance,
    hosts,
    state: table ? new DynamoStateStore({ table }) : undefined,
    redact: await secretRedactor(new SsmSecretStore(), instance),
    logger: silentLogger(),
    close: () => {},
  };
}

/** The local mode's log file, as the other client commands write it (one JSON event per line, 0600). */
const dataDirLogger = (data: string) =>
  createLogger({
    destination: pino.destination({ dest: join(data, 'tarmac.log'), mkdir: true, sync: true, mode: 0o600 }),
  });

/** The host a command targets (`--host`, or the fleet's only one): {@link chooseHost} over the fleet's hosts. */
export async function pickHost(access: Access, host: string | undefined): Promise<string> {
  return chooseHost(access.instance.fleet, await access.hosts.fleetHosts(access.instance), host);
}
