/**
 * Lambda entry of the worker (SQS FIFO event source with ReportBatchItemFailures): a composition root.
 * Adapters are built once per cold start; each record is one job, run at most once to completion.
 */
import { readFileSync } from 'node:fs';
import { openAwsAdapters } from '../adapters/aws';
import { sqsJobHandler } from '../adapters/aws/sqs-batch';
import { createNotifier } from '../adapters/notify';
import { randomIds } from '../adapters/system';
import { findApp } from '../core/config';
import { parseConfig } from '../core/config/parse';
import { GLOBAL_SCOPE } from '../core/secrets';
import { createLogger } from '../log';
import { createWorker } from '../worker/worker';
import { awsBundleTarget } from './bundle-target';

const env = process.env;
const aws = openAwsAdapters(env);
const configFile = env.TARMAC_CONFIG ?? new URL('./tarmac.yml', import.meta.url).pathname;
const config = parseConfig(readFileSync(configFile, 'utf8'), configFile);
const logger = createLogger({ name: 'tarmac-worker', destination: process.stdout });
const githubToken = await aws.secrets.get(GLOBAL_SCOPE, 'github_token');

const worker = createWorker({
  config,
  ...aws,
  ids: randomIds(aws.clock),
  logger,
  notifier: createNotifier({
    logger,
    state: aws.state,
    github: githubToken ? { token: githubToken, repoOf: (app) => findApp(config, app)?.repo } : undefined,
  }),
  target: awsBundleTarget({
    bucket: env.TARMAC_BUCKET as string,
    table: env.TARMAC_TABLE as string,
    region: env.AWS_REGION,
  }),
});

export const handler = sqsJobHandler(async (job, meta) => {
  await worker.handle(job, { messageId: meta.messageId, receiveCount: meta.receiveCount });
});
