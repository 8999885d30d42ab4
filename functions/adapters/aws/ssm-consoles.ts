import { randomBytes } from 'node:crypto';
import { SSMClient, StartSessionCommand, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { instanceOf } from '../../core/config';
import type { Instance } from '../../core/config/instances';
import type { TarmacConfig } from '../../core/config/schema';
import { CONSOLE_DOCUMENT } from '../../core/console-protocol';
import { TarmacError } from '../../core/errors';
import type { ConsoleOpening, ConsoleSessions, StateStore } from '../../ports';
import { recordAccess } from '../../state/access';
import { SsmHosts, shellLine } from './ssm-hosts';

export interface SsmConsolesOptions {
  readonly config: TarmacConfig;
  readonly state: StateStore;
  /** What the console runs on the instance (`bin/<release> remote` in a transient unit; the bundle knows). */
  readonly command: (instance: Instance, session: string) => readonly string[];
  readonly ssm?: SSMClient;
  /** Finds the fleet's running instances by tag. @default new SsmHosts() */
  readonly hosts?: Pick<SsmHosts, 'fleetInstances'>;
  /** @default process.env.AWS_REGION */
  readonly region?: string;
}

/**
 * `console --server` on the webhook Lambda: StartSession for one of the fleet's tagged instances with the
 * same document and command as `console --aws` (`sudo -n` + the command), answered to the client, which
 * hands it to its Session Manager plugin. Recorded in history with the token's name as `by` when it starts
 * (the Lambda does not see the session end: that record has no exit status).
 */
export class SsmConsoles implements ConsoleSessions {
  private readonly ssm: SSMClient;

  constructor(private readonly options: SsmConsolesOptions) {
    this.ssm = options.ssm ?? new SSMClient({});
  }

  async open(request: { app: string; env: string; host: string | undefined; by: string }): Promise<ConsoleOpening> {
    const instance = instanceOf(this.options.config, request.app, request.env);
    const tags = instance.fleetConfig.ec2_tags;
    if (!tags) {
      throw new TarmacError(`fleet ${instance.fleet} has no ec2_tags, so no instance of it can be found`, {
        fleet: instance.fleet,
      });
    }
    const found = await (this.options.hosts ?? new SsmHosts({ ssm: this.ssm })).fleetInstances(tags);
    const host = pickInstance(instance.fleet, found, request.host);
    const id = randomBytes(4).toString('hex');
    const argv = this.options.command(instance, id);
    const startRequest = {
      Target: host,
      DocumentName: CONSOLE_DOCUMENT,
      Parameters: { command: [`sudo -n ${shellLine(argv)}`] },
      Reason: `tarmac console ${instance.app}/${instance.env} by ${request.by}`.slice(0, 256),
    };
    await recordAccess(this.options.state, {
      id,
      app: instance.app,
      env: instance.env,
      host,
      kind: 'console',
      by: request.by,
      at: new Date().toISOString(),
      via: 'server-ssm',
    });
    const started = await this.ssm.send(new StartSessionCommand(startRequest));
    if (!started.SessionId || !started.StreamUrl || !started.TokenValue) {
      throw new TarmacError(`SSM StartSession for ${host} answered no session`, { host });
    }
    const region = this.options.region ?? process.env.AWS_REGION ?? (await this.ssm.config.region());
    const { Reason: _reason, ...request5 } = startRequest;
    return {
      kind: 'ssm',
      target: host,
      region,
      sessionId: started.SessionId,
      streamUrl: started.StreamUrl,
      tokenValue: started.TokenValue,
      request: request5,
    };
  }

  async terminate(sessionId: string): Promise<void> {
    await this.ssm.send(new TerminateSessionCommand({ SessionId: sessionId }));
  }
}

/** One of the fleet's running instances: the one named, or the only one. */
function pickInstance(fleet: string, found: readonly string[], host: string | undefined): string {
  if (host !== undefined && found.includes(host)) return host;
  const known = found.join(', ') || 'none running';
  if (host !== undefined) {
    throw new TarmacError(`host ${host} is not one of fleet ${fleet}'s (instances: ${known}) — pass one with --host`, {
      host,
      fleet,
    });
  }
  if (found.length === 1) return found[0] as string;
  throw new TarmacError(`fleet ${fleet} has ${found.length} instances (${known}) — say which with --host`, { fleet });
}
