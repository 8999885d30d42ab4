import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { EC2Client } from '@aws-sdk/client-ec2';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CodeDeployDeployer } from './codedeploy-deployer';
import { SsmFleetCommands } from './ssm-commands';
import { type AwsEnv, type AwsStoreClients, assertAwsEnv, openAwsStores } from './stores';

/** Clients to use instead of new ones (tests, or a caller that tunes them). */
export interface AwsClients extends AwsStoreClients {
  readonly codeDeploy?: CodeDeployClient;
  readonly ec2?: EC2Client;
}

export type AwsAdapters = ReturnType<typeof openAwsAdapters>;

/**
 * Build every AWS adapter once (per Lambda cold start), from the stack's environment variables: the
 * {@link openAwsStores} stores plus the CodeDeploy deployer and the fleet commands (SSM Run Command, for
 * maintenance). Throws naming every missing variable.
 *
 * @example
 *   const aws = openAwsAdapters(process.env);
 *   const worker = createWorker({ config, ...aws, ids, logger, notifier, target });
 *   export const handler = sqsJobHandler((job, meta) => worker.handle(job, meta));
 */
export function openAwsAdapters(env: AwsEnv, clients: AwsClients = {}) {
  assertAwsEnv(env);
  const bucket = env.TARMAC_BUCKET as string;
  const region = env.AWS_REGION as string;
  const s3 = clients.s3 ?? new S3Client({ region });
  const ssm = clients.ssm ?? new SSMClient({ region });
  return {
    ...openAwsStores(env, { ...clients, s3, ssm }),
    fleetCommands: new SsmFleetCommands(ssm, clients.ec2 ?? new EC2Client({ region })),
    deployer: new CodeDeployDeployer({
      bucket,
      client: clients.codeDeploy ?? new CodeDeployClient({ region }),
      // Pin the exact object version (the bucket is versioned) so CodeDeploy deploys what the worker stored.
      locateBundle: async (key) => {
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { eTag: head.ETag?.replaceAll('"', ''), version: head.VersionId };
      },
    }),
  };
}
