import { setTimeout as sleep } from 'node:timers/promises';
import { type JournalQuery, journalArgv } from '../../bundle/operator-commands';
import { TarmacError } from '../../core/errors';
import { formatEntry, type JournalEntry, mergeJournals, parseJournal } from '../../core/journal';
import { getDeployment } from '../../state/deployments';
import type { Output } from '../output';
import type { Access } from './context';

export interface LogsRequest {
  readonly access: Access;
  readonly hosts: readonly string[];
  readonly query: JournalQuery;
  /** Keep reading new entries (every `pollMs`) until `signal` aborts. */
  readonly follow: boolean;
  readonly pollMs: number;
  readonly signal?: AbortSignal;
  readonly out: Output;
  /** One JSON object per entry (`{"host","at","text"}`, `at` in ISO 8601 UTC) instead of text lines. */
  readonly json?: boolean;
  /** Epoch seconds now (a host that failed is read again from then on). */
  readonly now: () => number;
}

type Read = { host: string; entries: JournalEntry[]; cursor?: string | undefined } | { host: string; error: string };

/**
 * Print the unit's journal of every host, merged by time, one host-prefixed line per entry with every known
 * secret redacted; with `follow`, poll each host for what came after its cursor. A host that cannot be read
 * is named on stderr and the others go on. Returns the hosts that failed (in the last round).
 */
export async function showLogs(request: LogsRequest): Promise<string[]> {
  const { access, out } = request;
  const width = Math.max(...request.hosts.map((h) => h.length));
  const cursors = new Map<string, string | undefined>();
  const failing = new Set<string>();
  let query = (_host: string): JournalQuery => request.query;
  for (let round = 1; ; round++) {
    const roundStart = request.now();
    const reads = await Promise.all(request.hosts.map((host) => readHost(access, host, query(host))));
    for (const read of reads) {
      if ('error' in read) {
        if (!failing.has(read.host)) out.error(`${read.host}: ${access.redact(read.error)}\n`);
        failing.add(read.host);
      } else {
        if (failing.delete(read.host) && round > 1) out.error(`${read.host}: reachable again\n`);
        cursors.set(read.host, read.cursor ?? cursors.get(read.host));
      }
    }
    const entries = mergeJournals(reads.flatMap((r) => ('entries' in r ? [r.entries] : [])));
    for (const entry of entries) {
      // Redacted before formatting: JSON escaping would hide a value holding `"` or `\` from the redactor.
      const shown = { ...entry, text: access.redact(entry.text) };
      out.write(`${request.json ? jsonEntry(shown) : formatEntry(shown, width)}\n`);
    }
    if (round === 1 && entries.length === 0 && failing.size < request.hosts.length) {
      out.error(`no journal entries of ${access.instance.unit} ${request.follow ? 'yet' : 'in this range'}\n`);
    }
    if (!request.follow || request.signal?.aborted) return [...failing];
    // From now on: what came after each host's cursor; a host with none yet is read from this round's start.
    query = (host) => {
      const cursor = cursors.get(host);
      return cursor !== undefined ? { afterCursor: cursor } : { since: roundStart };
    };
    try {
      await sleep(request.pollMs, undefined, request.signal ? { signal: request.signal } : {});
    } catch {
      return [...failing]; // aborted: the operator pressed Ctrl-C
    }
  }
}

const jsonEntry = (e: JournalEntry) =>
  JSON.stringify({ host: e.host, at: new Date(Math.floor(e.at * 1000)).toISOString(), text: e.text });

async function readHost(access: Access, host: string, query: JournalQuery): Promise<Read> {
  try {
    const result = await access.hosts.exec(host, journalArgv(access.instance, query), { timeoutMs: 60_000 });
    if (result.code !== 0) {
      return { host, error: `journalctl failed (exit ${result.code}): ${(result.stderr || result.stdout).trim()}` };
    }
    return { host, ...parseJournal(host, result.stdout) };
  } catch (error) {
    return { host, error: `unreachable: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The time window of `--deployment ID` (its start to its end), checked to be this environment's. */
export async function deploymentWindow(access: Access, id: string): Promise<JournalQuery> {
  const { app, env } = access.instance;
  if (!access.state)
    throw new TarmacError(
      '--deployment with --aws reads the state table — set TARMAC_STATE_TABLE (the stack output StateTableName)',
    );
  const d = await getDeployment(access.state, id);
  if (!d || d.app !== app || d.env !== env) {
    const where = d ? ` (it is one of ${d.app}/${d.env})` : '';
    throw new TarmacError(`no deployment ${id} of ${app}/${env}${where} — tarmac history ${app} ${env} lists them`, {
      id,
    });
  }
  const since = Date.parse(d.startedAt ?? d.createdAt) / 1000;
  return d.endedAt ? { since, until: Date.parse(d.endedAt) / 1000 } : { since };
}
