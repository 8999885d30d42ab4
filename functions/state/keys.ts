import type { StateKey } from '../ports';

/**
 * The single-table key layout shared by the local (SQLite) and AWS (DynamoDB) state stores. One partition
 * per environment holds its current release, lock and deployments (history = a query of that partition).
 */
export const keys = {
  release: (app: string, sha256: string): StateKey => ({ pk: `app#${app}`, sk: `release#${sha256}` }),
  releasesOf: (app: string) => ({ pk: `app#${app}`, prefix: 'release#' }),
  current: (app: string, env: string): StateKey => ({ pk: `env#${app}#${env}`, sk: 'current' }),
  lock: (app: string, env: string): StateKey => ({ pk: `env#${app}#${env}`, sk: 'lock' }),
  /** Whether the environment is in maintenance now, and who switched it. */
  maintenance: (app: string, env: string): StateKey => ({ pk: `env#${app}#${env}`, sk: 'maintenance' }),
  /** Every switch of maintenance, for the environment's history (sorted by time; two in one ms both kept). */
  maintenanceEvent: (app: string, env: string, at: string, what: string): StateKey => ({
    pk: `env#${app}#${env}`,
    sk: `maintenance#${at}#${what}`,
  }),
  maintenanceEventsOf: (app: string, env: string) => ({ pk: `env#${app}#${env}`, prefix: 'maintenance#' }),
  deployment: (app: string, env: string, id: string): StateKey => ({ pk: `env#${app}#${env}`, sk: `deployment#${id}` }),
  deploymentsOf: (app: string, env: string) => ({ pk: `env#${app}#${env}`, prefix: 'deployment#' }),
  /** An operator's `tarmac eval` or `console` on a host of the environment (the audit trail `history` shows). */
  access: (app: string, env: string, at: string, id: string): StateKey => ({
    pk: `env#${app}#${env}`,
    sk: `access#${at}#${id}`,
  }),
  accessOf: (app: string, env: string) => ({ pk: `env#${app}#${env}`, prefix: 'access#' }),
  /** Where a deployment id lives (deployer events carry only the id). */
  deploymentRef: (id: string): StateKey => ({ pk: `deployment#${id}`, sk: 'ref' }),
  /** tarmac deployment id of a deployer's own id (CodeDeploy events carry only theirs). */
  externalRef: (externalId: string): StateKey => ({ pk: `external#${externalId}`, sk: 'ref' }),
  /** The one deployment allowed in flight on a fleet. */
  fleetActive: (fleet: string): StateKey => ({ pk: `fleet#${fleet}`, sk: 'active' }),
  /** At most one waiting deploy per environment: a newer request supersedes an older one. */
  fleetPending: (fleet: string, app: string, env: string): StateKey => ({
    pk: `fleet#${fleet}`,
    sk: `pending#${app}#${env}`,
  }),
  pendingOf: (fleet: string) => ({ pk: `fleet#${fleet}`, prefix: 'pending#' }),
  /** A push waiting for its build (continuous delivery join). */
  push: (app: string, sha: string): StateKey => ({ pk: `app#${app}`, sk: `push#${sha}` }),
  pushesOf: (app: string) => ({ pk: `app#${app}`, prefix: 'push#' }),
  /** A job the worker gave up on (never retried, or out of attempts), newest last in sort order. */
  failedJob: (at: string, id: string): StateKey => ({ pk: 'failed-jobs', sk: `${at}#${id}` }),
  failedJobs: 'failed-jobs',
  /** Where a branch points after the last push tarmac accepted as newest (continuous delivery follows it). */
  branchHead: (app: string, branch: string): StateKey => ({ pk: `app#${app}`, sk: `head#${branch}` }),
  headsOf: (app: string) => ({ pk: `app#${app}`, prefix: 'head#' }),
  /** One ref update seen (signed fields only): a replay of the same push body finds it and changes nothing. */
  pushSeen: (app: string, branch: string, update: string): StateKey => ({
    pk: `app#${app}`,
    sk: `seen#${update}#${branch}`,
  }),
  /** An API request answered at once but run only once (`POST …/eval`): its state and answer, by idempotency key. */
  apiRequest: (idempotencyKey: string): StateKey => ({ pk: 'api-request', sk: idempotencyKey }),
  /** Exactly-once record of a job, by idempotency key. */
  job: (idempotencyKey: string): StateKey => ({ pk: 'job', sk: idempotencyKey }),
};
