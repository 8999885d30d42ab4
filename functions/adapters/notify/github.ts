import type { Deployment } from '../../core/deployments';
import type { Logger } from '../../log';
import type { Notification, StateStore } from '../../ports';
import { NotifyHttpError } from './errors';

export interface GitHubOptions {
  readonly token: string;
  /** @default https://api.github.com */
  readonly apiUrl?: string;
  /** `owner/repo` of an app. */
  readonly repoOf: (app: string) => string | undefined;
}

const STATE: Partial<Record<Notification['kind'], (d: Deployment) => string>> = {
  queued: () => 'queued',
  started: () => 'in_progress',
  finished: (d) => (d.status === 'succeeded' ? 'success' : d.status === 'failed' ? 'failure' : 'error'),
};

/**
 * Mirrors tarmac deployments as GitHub Deployments: created on the first notification, then statuses
 * queued → in_progress → success / failure. The GitHub deployment id is kept in state so every worker
 * (and a restarted one) posts to the same deployment.
 */
export class GitHubDeployments {
  constructor(
    private readonly options: GitHubOptions,
    private readonly state: StateStore,
    private readonly logger: Logger,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async post(notification: Notification): Promise<void> {
    const d = notification.deployment;
    const stateOf = STATE[notification.kind];
    const repo = d && this.options.repoOf(d.app);
    if (!d || !stateOf || !repo) return;
    try {
      const id = await this.deploymentId(repo, d);
      await this.call('POST', `/repos/${repo}/deployments/${id}/statuses`, {
        state: stateOf(d),
        description: notification.text.slice(0, 140),
        environment: d.env,
      });
    } catch (error) {
      this.logger.warn(
        { event: 'notify.github_failed', correlationId: notification.correlationId, error: String(error) },
        'GitHub status failed',
      );
    }
  }

  private async deploymentId(repo: string, d: Deployment): Promise<number> {
    const key = { pk: `github#${d.id}`, sk: 'deployment' };
    const known = await this.state.get<{ id: number }>(key);
    if (known) return known.value.id;
    const created = (await this.call('POST', `/repos/${repo}/deployments`, {
      ref: d.gitSha ?? d.version,
      environment: d.env,
      task: 'deploy',
      auto_merge: false,
      required_contexts: [],
      payload: { tarmac_deployment: d.id, release: d.releaseId },
      description: `tarmac ${d.version}`,
    })) as { id: number };
    await this.state.put(key, { id: created.id }, { ttlSec: 30 * 24 * 3600 });
    return created.id;
  }

  private async call(method: string, path: string, body: unknown): Promise<unknown> {
    const response = await this.fetchImpl(`${this.options.apiUrl ?? 'https://api.github.com'}${path}`, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${this.options.token}`,
        'content-type': 'application/json',
        'x-github-api-version': '2022-11-28',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new NotifyHttpError(`GitHub ${method} ${path}`, response.status);
    return response.json();
  }
}
