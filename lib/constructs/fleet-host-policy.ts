import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ValidationError } from '../errors';
import { CONTENT_PREFIX } from './artifact-layout';
import { acknowledgeWildcardResources } from './nag';
import { kmsViaSsm, migrationLock, readObjects, readSecrets } from './statements';

export interface FleetHostPolicyProps {
  /** Fleet name from tarmac.yml. */
  readonly fleet: string;
  /** The instances that run on the fleet. At least one. */
  readonly instances: ReadonlyArray<{ readonly app: string; readonly env: string }>;
  readonly bucket: IBucket;
  readonly table: ITable;
}

/**
 * What the hosts of one fleet may do, as a managed policy to attach to their instance role: read bundles and
 * releases (the CodeDeploy agent and the AfterInstall hook fetch them), read the secrets of the fleet's own
 * instances (KMS only through SSM), and take the migration lock. No secret of another fleet.
 */
export class FleetHostPolicy extends Construct {
  readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: FleetHostPolicyProps) {
    super(scope, id);
    if (props.instances.length === 0) {
      throw new ValidationError(
        `fleet "${props.fleet}" has no instances (given 0) — only fleets that run an app get a policy`,
        this,
      );
    }
    const scopes = props.instances.map((i) => `${i.app}/${i.env}`);
    const statements = [
      // Bundles and releases are content-addressed (`sha256/<hex>`), so a host can name only what it is
      // told to fetch; neither ever holds a secret.
      readObjects(props.bucket, [CONTENT_PREFIX]),
      readSecrets(this, scopes),
      kmsViaSsm(this, ['kms:Decrypt']),
      migrationLock(props.table, scopes),
    ];
    this.policy = new ManagedPolicy(this, 'Policy', {
      description: `tarmac hosts of fleet ${props.fleet}: bundles, releases, secrets and the migration lock`,
      statements,
    });
    acknowledgeWildcardResources(
      this.policy,
      statements,
      'Bundles and releases are named by their sha256 at run time and hold no secrets; parameters under the ' +
        'fleet’s own instances’ secret paths are named at run time; KMS keys are usable only through SSM (kms:ViaService).',
    );
  }
}
