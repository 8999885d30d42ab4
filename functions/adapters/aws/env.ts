import { TarmacError } from '../../core/errors';
import { FUNCTION_ENV } from '../../core/function-env';

// No SDK import here: the webhook Lambda checks its environment at cold start without loading any client.

/** What the stack passes to every Lambda. */
export interface AwsEnv {
  readonly TARMAC_BUCKET?: string | undefined;
  readonly TARMAC_TABLE?: string | undefined;
  readonly TARMAC_QUEUE_URL?: string | undefined;
  readonly TARMAC_DLQ_URL?: string | undefined;
  readonly AWS_REGION?: string | undefined;
  /** KMS key for artifacts and SecureStrings; unset: SSE-S3 and `alias/aws/ssm`. */
  readonly TARMAC_KMS_KEY_ID?: string | undefined;
  /** Root of SSM parameter names. @default '/tarmac' */
  readonly TARMAC_SSM_PREFIX?: string | undefined;
}

/** The variables every function needs: the stack sets the first three (core/function-env.ts), Lambda the region. */
export const REQUIRED_AWS_ENV = [FUNCTION_ENV.bucket, FUNCTION_ENV.table, FUNCTION_ENV.queueUrl, 'AWS_REGION'] as const;

/** Throws naming every variable of {@link REQUIRED_AWS_ENV} that `env` lacks. */
export function assertAwsEnv(env: AwsEnv): void {
  const missing = REQUIRED_AWS_ENV.filter((k) => !env[k]);
  if (missing.length > 0) {
    throw new TarmacError(
      `missing environment variable${missing.length > 1 ? 's' : ''}: ${missing.join(', ')} — the tarmac stack sets them on every function`,
      { missing },
    );
  }
}
