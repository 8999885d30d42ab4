import { createReadStream, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileSecretStore } from '../../functions/adapters/local/file-secrets';
import { FsArtifactStore } from '../../functions/adapters/local/fs-artifacts';
import { LocalDeployer, localBundleTargets } from '../../functions/adapters/local/local-deployer';
import { renderBundle } from '../../functions/bundle/render';
import { packBundle } from '../../functions/bundle/write';
import { instanceOf, parseConfig, type TarmacConfig } from '../../functions/core/config';
import { planDeployment } from '../../functions/core/plans';
import { contentKey, releaseId } from '../../functions/core/releases';
import type { Hosts } from '../../functions/hosts/manager';
import { createLogger, type Logger } from '../../functions/log';
import type { DeployerEvent } from '../../functions/ports';
import { REPO_ROOT } from './fixture';

/** Everything a local deployment test needs, over real hosts: stores, the deployer, and what it emitted. */
export interface DeployHarness {
  readonly artifacts: FsArtifactStore;
  readonly secrets: FileSecretStore;
  readonly deployer: LocalDeployer;
  readonly events: DeployerEvent[];
  /** Every log line the deployer wrote (to check no secret leaks). */
  readonly logLines: string[];
  /** Store a tarball and return the plan's release. */
  pushRelease(
    tarball: string,
    version: string,
  ): Promise<{ id: string; version: string; sha256: string; artifactKey: string }>;
  /** Render, pack and store the bundle, start the deployment, wait until it (and any rollback) is over. */
  deploy(
    env: string,
    release: Awaited<ReturnType<DeployHarness['pushRelease']>>,
    options?: DeployOptions,
  ): Promise<DeployerEvent[]>;
}

export interface DeployOptions {
  readonly autoRollback?: boolean;
  readonly hosts?: readonly string[];
  /** A variant of the example configuration for this deployment. @default exampleConfig() */
  readonly config?: TarmacConfig;
}

export const exampleConfigText = () => readFileSync(join(REPO_ROOT, 'examples/tarmac.yml'), 'utf8');
/** The example configuration: app hello on fleet web (h1, h2), staging on 4001 and production on 4002. */
export const exampleConfig = () => parseConfig(exampleConfigText(), 'examples/tarmac.yml');

export async function deployHarness(
  manager: Hosts,
  workDir: string,
  config: TarmacConfig = exampleConfig(),
): Promise<DeployHarness> {
  const artifacts = new FsArtifactStore(join(workDir, 'artifacts'));
  const secrets = new FileSecretStore(join(workDir, 'secrets'));
  const events: DeployerEvent[] = [];
  const logLines: string[] = [];
  const logger: Logger = createLogger({
    level: 'debug',
    destination: { write: (l: string) => logLines.push(l) } as never,
  });
  const deployer = new LocalDeployer({
    hosts: manager,
    artifacts,
    secrets,
    onEvent: (e) => void events.push(e),
    clock: { now: () => new Date() },
    logger,
  });
  let counter = 0;
  return {
    artifacts,
    secrets,
    deployer,
    events,
    logLines,
    async pushRelease(tarball, version) {
      const stored = await artifacts.put(createReadStream(tarball));
      return {
        id: releaseId(version, stored.sha256),
        version,
        sha256: stored.sha256,
        artifactKey: contentKey(stored.sha256),
      };
    },
    async deploy(env, release, options = {}) {
      const instance = instanceOf(options.config ?? config, 'hello', env);
      counter += 1;
      const deploymentId = `d${Date.now().toString(36)}-${env}-${counter}`;
      const plan = planDeployment({
        instance,
        hosts: options.hosts ?? ['h1', 'h2'],
        release,
        deploymentId,
        correlationId: `c-${deploymentId}`,
      });
      const files = renderBundle({ instance, plan, ...localBundleTargets('hello', env, release.sha256) });
      const bundle = await artifacts.put(packBundle(files) as AsyncIterable<Uint8Array>, {
        key: `bundles/${deploymentId}.tgz`,
      });
      const { externalId } = await deployer.start({
        plan,
        bundle: { key: bundle.key, sha256: bundle.sha256 },
        autoRollback: options.autoRollback ?? false,
      });
      await deployer.settled(externalId);
      return events.filter((e) => e.deploymentId === deploymentId);
    },
  };
}

export const workDirIn = (dataDir: string) => mkdtempSync(join(dataDir, 'work-'));
