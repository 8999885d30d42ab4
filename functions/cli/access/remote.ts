import type { JournalQuery, JournalRead } from '../../core/journal';
import type { OperatorEvalAnswer, OperatorLogsAnswer } from '../../ports';
import type { ServerClient } from '../server-client';
import type { JournalSource } from './logs';

/** Reads that run on hosts take longer than the API's other answers: wait up to this long for one. */
const HOST_READ_MS = 120_000;

/** What `tarmac logs --server` asks for: the same flags as a local run. */
export interface RemoteLogs {
  readonly app: string;
  readonly env: string;
  readonly host?: string | undefined;
  readonly lines?: number | undefined;
  readonly deployment?: string | undefined;
  readonly follow: boolean;
}

/**
 * The journals as a server reads them on its own hosts (`GET /api/…/logs`), already redacted there: the
 * first read names the hosts; `--follow` then polls each with its cursor, one short request at a time — so a
 * Lambda, which cannot hold a stream open, follows as well as `tarmac serve`.
 */
export function serverJournals(server: ServerClient, request: RemoteLogs): JournalSource {
  const path = `/apps/${encodeURIComponent(request.app)}/environments/${encodeURIComponent(request.env)}/logs`;
  const source = {
    unit: `tarmac-${request.app}-${request.env}.service`,
    redact: (text: string) => text,
    async first(query: JournalQuery): Promise<JournalRead[]> {
      const answer = await read({
        host: request.host,
        lines: query.lines,
        deployment: request.deployment,
        follow: request.follow ? '1' : undefined,
      });
      return answer.reads;
    },
    async next(host: string, query: JournalQuery): Promise<JournalRead> {
      const answer = await read({ host, after: query.afterCursor, since: query.since, lines: query.lines });
      return answer.reads.find((r) => r.host === host) ?? { host, error: 'the server answered for other hosts' };
    },
  };
  const read = async (params: Record<string, string | number | undefined>) => {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, String(value));
    const answer = await server.get<OperatorLogsAnswer>(`${path}?${search}`, { timeoutMs: HOST_READ_MS });
    source.unit = answer.unit;
    return answer;
  };
  return source;
}

/** `tarmac eval --server`: the server runs it on its host and answers its (redacted) output and exit status. */
export function evalOnServer(
  server: ServerClient,
  request: { app: string; env: string; host?: string | undefined; expression: string; timeoutSec: number },
): Promise<OperatorEvalAnswer> {
  const path = `/apps/${encodeURIComponent(request.app)}/environments/${encodeURIComponent(request.env)}/eval`;
  const body = {
    ...(request.host ? { host: request.host } : {}),
    expression: request.expression,
    timeout: request.timeoutSec,
  };
  return server.post<OperatorEvalAnswer>(path, body, { timeoutMs: request.timeoutSec * 1000 + 30_000 });
}
