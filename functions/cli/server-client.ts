import { randomUUID } from 'node:crypto';
import { TarmacError } from '../core/errors';

/** The tarmac server answered with an error; the message is the server's own (it names the bad value). */
export class ServerAnswerError extends TarmacError {
  constructor(
    readonly status: number,
    message: string,
    readonly url: string,
  ) {
    super(message, { status, url });
    this.name = 'ServerAnswerError';
  }
}

/**
 * The HTTP client of a tarmac server's `/api` (`--server`): `tarmac serve` or the webhook Lambda's URL. Sends
 * `TARMAC_TOKEN` as a bearer token; every write carries a fresh Idempotency-Key, kept across its one retry,
 * so a request that timed out on the way back is never queued twice.
 */
export class ServerClient {
  readonly base: string;

  constructor(
    url: string,
    private readonly token: string | undefined = process.env.TARMAC_TOKEN || undefined,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  /** The bearer header of `TARMAC_TOKEN` (for a WebSocket upgrade), or none. */
  authHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  /** `timeoutMs`: how long to wait for the answer (default 15 s; longer for reads that run on hosts). */
  get<T>(path: string, options: { timeoutMs?: number } = {}): Promise<T> {
    return this.request<T>('GET', path, undefined, undefined, options.timeoutMs);
  }

  /** A POST the server answers itself (not a queued job, e.g. an eval), under one Idempotency-Key across its retry. */
  post<T>(path: string, body: object, options: { timeoutMs?: number } = {}): Promise<T> {
    return this.request<T>('POST', path, body, randomUUID(), options.timeoutMs);
  }

  /** A write; answers the queued job's `{ idempotencyKey }` (the same one for a retried request). */
  write(method: 'POST' | 'PUT' | 'DELETE', path: string, body: object = {}): Promise<{ idempotencyKey: string }> {
    return this.request(method, path, body, randomUUID());
  }

  /**
   * A request answered at once (the admin API: secrets, tokens), sent once — never retried, so a token is
   * never created twice. The body is JSON; a secret value goes only there.
   */
  send<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: object): Promise<T> {
    return this.request<T>(method, path, body);
  }

  private async request<T>(method: string, path: string, body?: object, key?: string, timeoutMs = 15_000): Promise<T> {
    const url = `${this.base}/api${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (key) headers['idempotency-key'] = key;
    if (body) headers['content-type'] = 'application/json';
    const init = { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) };
    let response: Response;
    try {
      const once = () => fetchOnce(url, init, timeoutMs);
      response = await once().catch(() => (key ? once() : Promise.reject(new Error())));
    } catch (error) {
      const cause = error instanceof Error && error.message ? `: ${error.message}` : '';
      throw new TarmacError(`cannot reach the tarmac server at ${this.base}${cause} — check --server`, {
        server: this.base,
      });
    }
    if (response.ok) return (await response.json()) as T;
    throw new ServerAnswerError(response.status, await errorOf(response, this.token !== undefined), url);
  }
}

const fetchOnce = (url: string, init: RequestInit, timeoutMs: number) =>
  fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });

async function errorOf(response: Response, sentToken: boolean): Promise<string> {
  const text = await response.text();
  let message = text.trim() || `HTTP ${response.status}`;
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') message = parsed.error;
  } catch {
    // not JSON (a proxy's page): keep the text
  }
  if (response.status === 401 && !sentToken) return `${message} (TARMAC_TOKEN is not set)`;
  return message;
}
