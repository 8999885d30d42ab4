/**
 * The environment variables the stack (lib/pipeline-stack.ts) sets on every tarmac function, by what each
 * holds: the one list of names that the stack writes and the AWS composition root reads
 * (adapters/aws/stores.ts `REQUIRED_AWS_ENV`). Lambda itself adds `AWS_REGION`.
 */
export const FUNCTION_ENV = {
  bucket: 'TARMAC_BUCKET',
  table: 'TARMAC_TABLE',
  queueUrl: 'TARMAC_QUEUE_URL',
  deadLetterQueueUrl: 'TARMAC_DLQ_URL',
} as const;

/** The value of each variable (CloudFormation tokens when the stack is synthesized). */
export type FunctionEnvValues = { readonly [K in keyof typeof FUNCTION_ENV]: string };

/**
 * The variables, by name, for a function's `environment`.
 *
 * @example
 *   functionEnvironment({ bucket: 'b', table: 't', queueUrl: 'q', deadLetterQueueUrl: 'd' })
 *   // → { TARMAC_BUCKET: 'b', TARMAC_TABLE: 't', TARMAC_QUEUE_URL: 'q', TARMAC_DLQ_URL: 'd' }
 */
export function functionEnvironment(values: FunctionEnvValues): Record<string, string> {
  const names = Object.keys(FUNCTION_ENV) as (keyof typeof FUNCTION_ENV)[];
  return Object.fromEntries(names.map((key) => [FUNCTION_ENV[key], values[key]]));
}

/** The webhook function's own timeout in seconds (set by lib/constructs/webhook.ts): its API bounds host commands by it. */
export const WEBHOOK_TIMEOUT_ENV = 'TARMAC_WEBHOOK_TIMEOUT_SEC';

/** What the webhook may spend on one host command: its timeout less 3 s to answer in (at least 1 s). */
export function webhookBudgetMs(timeoutSec: string | undefined): number {
  const sec = Number(timeoutSec);
  return Math.max(1, (Number.isFinite(sec) && sec > 0 ? sec : 10) - 3) * 1000;
}
