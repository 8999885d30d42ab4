/**
 * Lambda entry of the intake (Function URL / HTTP API v2): a composition root. The config is parsed at cold
 * start; every store (and its SDK client) is built on the first request that uses it ({@link lazyAwsStores}),
 * and the dashboard token is read from SSM on the first request to the read side — so the cold start loads
 * no AWS SDK at all (the stack bundles this handler as CommonJS for that: lib/constructs/webhook.ts).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { handle } from 'hono/aws-lambda';
import { lazySsmOperatorHosts } from '../adapters/aws/lazy-operator-hosts';
import { lazyAwsStores } from '../adapters/aws/lazy-stores';
import { randomIds } from '../adapters/system';
import { parseConfig } from '../core/config/parse';
import { WEBHOOK_TIMEOUT_ENV, webhookBudgetMs } from '../core/function-env';
import { GLOBAL_SCOPE } from '../core/secrets';
import { createApp } from '../http/app';
import { createLogger } from '../log';
import type { ConsoleSessions } from '../ports';
import { planView } from '../state/plan-view';
import { stateReadApi } from '../state/state-read-api';
import { operatorAccess } from '../worker/operator-access';

const env = process.env;
const aws = lazyAwsStores(env);
// Bundled as CommonJS (no import.meta): Lambda unpacks the code, and the tarmac.yml beside it, to the task root.
const configFile = env.TARMAC_CONFIG ?? join(env.LAMBDA_TASK_ROOT ?? '/var/task', 'tarmac.yml');

const config = parseConfig(readFileSync(configFile, 'utf8'), configFile);
const logger = createLogger({ name: 'tarmac-webhook', destination: process.stdout });
const app = createApp({
  ...aws,
  config,
  // A Function URL is public: without a configured token (`tarmac secrets set _global dashboard_token --aws`)
  // the dashboard is closed with a random token nobody knows, rather than open to the internet.
  dashboardToken: async () =>
    (await aws.secrets.get(GLOBAL_SCOPE, 'dashboard_token')) ?? randomBytes(32).toString('hex'),
  ids: randomIds(),
  logger,
  // logs and eval over --server: SSM Run Command on the fleet's instances, bounded by this function's timeout.
  operator: operatorAccess({
    config,
    hosts: lazySsmOperatorHosts(env.AWS_REGION as string),
    secrets: aws.secrets,
    state: aws.state,
    clock: aws.clock,
    logger,
    via: 'aws',
    maxMs: webhookBudgetMs(env[WEBHOOK_TIMEOUT_ENV]),
  }),
  // A Lambda request body is at most 6 MB; bigger tarballs go through the presigned URL.
  limits: { maxArtifactBytes: 6 * 1024 * 1024 },
  consoles: lazyConsoles(),
  // Plans list a fleet's hosts by its tag filter: CodeDeploy resolves the instances at deploy time.
  readApi: {
    ...stateReadApi(aws.state),
    plan: (name, env, ref) => planView({ config, state: aws.state }, name, env, ref),
  },
});

export const handler = handle(app);

/** `console --server`: SSM Session Manager, its SDK and the bundle's command line loaded on first use. */
function lazyConsoles(): ConsoleSessions {
  let consoles: Promise<ConsoleSessions> | undefined;
  const load = () =>
    (consoles ??= Promise.all([import('../adapters/aws/ssm-consoles'), import('../bundle/operator-commands')]).then(
      ([{ SsmConsoles }, { releaseCommandArgv }]) =>
        new SsmConsoles({
          config,
          state: aws.state,
          command: (instance, session) => releaseCommandArgv(instance, { kind: 'remote' }, session),
        }),
    ));
  return {
    open: async (request) => (await load()).open(request),
    terminate: async (session) => (await load()).terminate?.(session),
  };
}
