import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { renderBundle } from '../../bundle/render';
import type { MigrationLock, SecretsSource } from '../../bundle/types';
import { writeBundle } from '../../bundle/write';
import { type FleetConfig, instanceOf } from '../../core/config';
import { type DeploymentPlan, planDeployment } from '../../core/plans';
import { releaseId } from '../../core/releases';
import { checkRelease, releaseFile } from '../../release/check';
import { UnsafeReleaseError } from '../../release/errors';
import { loadConfig } from '../context';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';

interface RenderOptions {
  release: string;
  out: string;
  releaseUrl?: string;
  ssm?: boolean;
  region?: string;
  lockTable?: string;
  deploymentId?: string;
}

export function registerRender(program: Command, out: Output): void {
  program
    .command('render')
    .description('write the deployment bundle of <app> <env> for a release tarball (checked first)')
    .argument('<app>')
    .argument('<env>')
    .requiredOption('--release <tarball>', 'the release tarball to install')
    .requiredOption('--out <dir>', 'directory to write the bundle into')
    .option('--release-url <url>', 'where hosts fetch the tarball (default: file://<absolute tarball path>)')
    .option('--ssm', 'hosts read secrets from SSM /tarmac/<app>/<env>/ (default: the local secret store dir)')
    .option('--region <region>', 'AWS region for SSM and DynamoDB')
    .option('--lock-table <table>', 'DynamoDB table for the migration lock (default: a dir under --data)')
    .option(
      '--deployment-id <id>',
      'deployment id stamped on hook output and the migration lock (default: new for every render)',
    )
    .action(async (app: string, env: string, opts: RenderOptions) => {
      const options = program.opts<GlobalOptions>();
      const config = loadConfig(options);
      const instance = instanceOf(config, app, env);
      const checked = await checkRelease(releaseFile(opts.release), { releaseName: instance.release });
      if (!checked.ok) throw new UnsafeReleaseError(checked);
      const id = releaseId(checked.version, checked.sha256);
      const deploymentId = opts.deploymentId ?? defaultDeploymentId(app, env);
      const plan = planDeployment({
        instance,
        hosts: renderHosts(instance.fleetConfig),
        release: { id, version: checked.version, sha256: checked.sha256, artifactKey: `sha256/${checked.sha256}` },
        deploymentId,
        correlationId: deploymentId,
      });
      const region = opts.region ? { region: opts.region } : {};
      const secretsSource: SecretsSource = opts.ssm
        ? { kind: 'ssm', path: `/tarmac/${app}/${env}/`, ...region }
        : { kind: 'dir', path: resolve(options.data, 'secrets', app, env) };
      const migrationLock: MigrationLock = opts.lockTable
        ? { kind: 'dynamodb', table: opts.lockTable, ...region }
        : { kind: 'dir', path: resolve(options.data, 'migration-locks') };
      const releaseUrl = opts.releaseUrl ?? `file://${resolve(opts.release)}`;
      const files = renderBundle({ instance, plan, releaseUrl, secretsSource, migrationLock });
      await writeBundle(opts.out, files);
      if (options.json)
        out.write(`${JSON.stringify({ out: opts.out, release: id, deploymentId, files: files.map((f) => f.path) })}\n`);
      else
        out.write(
          `${opts.out}: bundle for ${app}/${env}, release ${id}, deployment ${deploymentId} — ${files.length} files${canaryNote(plan)}\n`,
        );
    });
}

/**
 * A deployment id of its own for every render: the migration runs once per deployment, so two renders (staging
 * then production, or the same release twice) must never share one.
 */
function defaultDeploymentId(app: string, env: string): string {
  const stamp = new Date().toISOString().replace(/[-:]|\.\d+/g, '');
  return `render-${app}-${env}-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** The fleet's hosts, or its EC2 tag selectors (as the worker plans AWS fleets), or one stand-in host. */
function renderHosts(fleet: FleetConfig): string[] {
  if (fleet.hosts.length) return fleet.hosts;
  const tags = Object.entries(fleet.ec2_tags ?? {}).map(([k, v]) => `ec2:${k}=${v}`);
  return tags.length ? tags : ['localhost'];
}

const canaryNote = (plan: DeploymentPlan) =>
  plan.canary
    ? `; ValidateService bakes ${plan.canary.bakeSeconds} s when run as deployment group ${plan.canary.group}`
    : '';
