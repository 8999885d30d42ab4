import { renderBundle } from '../bundle/render';
import { packBundle } from '../bundle/write';
import { checkRelease } from '../release/check';
import type { WorkerDeps } from './deps';

/** Render a plan's bundle for the mode's target (S3/SSM/DynamoDB or local shared dirs) and pack it as .tgz. */
export const packPlanBundle: NonNullable<WorkerDeps['packBundle']> = ({ instance, plan, target }) =>
  packBundle(
    renderBundle({
      instance,
      plan,
      releaseUrl: target.releaseUrl(plan.release),
      secretsSource: target.secretsSource(instance),
      migrationLock: target.migrationLock(instance),
    }),
  );

/** The release checker as the worker uses it (same rules as `tarmac release check`). */
export const checkReleaseStream: NonNullable<WorkerDeps['checkRelease']> = (body, { releaseName }) =>
  checkRelease(body, { releaseName });
