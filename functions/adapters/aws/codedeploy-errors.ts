import { TarmacError } from '../../core/errors';

/** CodeDeploy's "does not exist" errors become messages that say which name and what creates it. */
export function translateCreateError(error: unknown, application: string, group: string, config: string): unknown {
  const name = (error as { name?: string })?.name;
  const data = { application, group, config };
  const cause = { cause: error };
  if (name === 'ApplicationDoesNotExistException') {
    return new TarmacError(
      `CodeDeploy application ${application} does not exist — deploy the tarmac stack`,
      data,
      cause,
    );
  }
  if (name === 'DeploymentGroupDoesNotExistException') {
    return new TarmacError(
      `CodeDeploy deployment group ${group} of ${application} does not exist — add the environment to the stack and deploy it`,
      data,
      cause,
    );
  }
  if (name === 'DeploymentConfigDoesNotExistException') {
    return new TarmacError(
      `CodeDeploy deployment config ${config} does not exist — the stack creates tarmac-min-healthy-<n> for the strategies in tarmac.yml; redeploy it`,
      data,
      cause,
    );
  }
  if (name === 'DeploymentLimitExceededException') {
    return new TarmacError(`deployment group ${group} already has a deployment in progress — wait for it`, data, cause);
  }
  return error;
}
