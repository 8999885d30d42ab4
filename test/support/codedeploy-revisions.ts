import { writeFileSync } from 'node:fs';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Instance } from './codedeploy-agent';
import type { DeploymentRecord, ServiceContext } from './codedeploy-runs';

/** A deployment group as the service sees it: its id, and which instances its EC2 tag sets select. */
export async function groupInfo(ctx: ServiceContext, record: DeploymentRecord) {
  const { deploymentGroupInfo: g } = (await ctx.motoCall('GetDeploymentGroup', {
    applicationName: record.applicationName,
    deploymentGroupName: record.deploymentGroupName,
  })) as {
    deploymentGroupInfo: {
      deploymentGroupId: string;
      ec2TagSet?: { ec2TagSetList?: { Key: string; Value: string }[][] };
    };
  };
  const sets = g.ec2TagSet?.ec2TagSetList ?? [];
  return {
    id: g.deploymentGroupId,
    // An instance is in the group when it matches every tag set (any filter of a set).
    matches: (i: Instance) => sets.every((set) => set.some((f) => i.tags[f.Key] === f.Value)),
  };
}

/** The revision's bundle, the pinned S3 object version, its ETag checked as CodeDeploy does. */
export async function download(ctx: ServiceContext, record: DeploymentRecord, file: string): Promise<string> {
  const location = record.revision?.s3Location;
  if (!location) throw new Error(`deployment ${record.deploymentId} has no S3 revision`);
  const s3 = new S3Client(ctx.moto.clientConfig);
  try {
    const object = await s3.send(
      new GetObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        ...(location.version ? { VersionId: location.version } : {}),
      }),
    );
    const eTag = object.ETag?.replaceAll('"', '');
    if (location.eTag && eTag !== location.eTag) {
      throw new Error(`bundle ${location.key} has ETag ${eTag}, the revision names ${location.eTag}`);
    }
    writeFileSync(file, await (object.Body?.transformToByteArray() ?? new Uint8Array()));
    return file;
  } finally {
    s3.destroy();
  }
}
