/**
 * Lambda entry of the intake (Function URL / HTTP API v2): a composition root. Stores are built once per
 * cold start from the stack's environment ({@link openAwsStores}: no CodeDeploy client, to keep the cold
 * path small) and the bundled tarmac.yml.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { handle } from 'hono/aws-lambda';
import { openAwsStores } from '../adapters/aws/stores';
import { randomIds } from '../adapters/system';
import { parseConfig } from '../core/config/parse';
import { GLOBAL_SCOPE } from '../core/secrets';
import { createApp } from '../http/app';
import { createLogger } from '../log';
import { planView } from '../state/plan-view';
import { stateReadApi } from '../state/state-read-api';

const env = process.env;
const aws = openAwsStores(env);
const configFile = env.TARMAC_CONFIG ?? new URL('./tarmac.yml', import.meta.url).pathname;

// A Function URL is public: without a configured token (`tarmac secrets set _global dashboard_token --aws`)
// the dashboard is closed with a random token nobody knows, rather than open to the internet.
const dashboardToken = (await aws.secrets.get(GLOBAL_SCOPE, 'dashboard_token')) ?? randomBytes(32).toString('hex');

const config = parseConfig(readFileSync(configFile, 'utf8'), configFile);
const app = createApp({
  ...aws,
  config,
  dashboardToken,
  ids: randomIds(),
  logger: createLogger({ name: 'tarmac-webhook', destination: process.stdout }),
  // A Lambda request body is at most 6 MB; bigger tarballs go through the presigned URL.
  limits: { maxArtifactBytes: 6 * 1024 * 1024 },
  // Plans list a fleet's hosts by its tag filter: CodeDeploy resolves the instances at deploy time.
  readApi: {
    ...stateReadApi(aws.state),
    plan: (name, env, ref) => planView({ config, state: aws.state }, name, env, ref),
  },
});

export const handler = handle(app);
