import { setTimeout as sleep } from 'node:timers/promises';
import { journalArgv } from '../../bundle/operator-commands';
import { TarmacError } from '../../core/errors';
import {
  formatEntry,
  type JournalEntry,
  type JournalQuery,
  type JournalRead,
  journalReadOf,
  mergeJournals,
} from '../../core/journal';
import type { Redactor } from '../../core/redact';
import { deploymentWindow as windowOf } from '../../state/log-window';
import type { Output } from '../output';
import type { Access } from './context';

/** Where journals come from: this machine's view of the hosts ({@link localJournals}) or a server's `/api`. */
export interface JournalSource {
  /** The unit, for "no entries" messages. @example tarmac-hello-staging.service */
  readonly unit: string;
  /** Applied to every line before it is shown (a server has redacted already). */
  readonly redact: Redactor;
  /** The first read: every host asked for (the fleet's, or `--host`'s), all with the same query. */
  first(query: JournalQuery): Promise<JournalRead[]>;
  /** A later read of one host (`--follow`). */
  next(host: string, query: JournalQuery): Promise<JournalRead>;
}

export interface LogsRequest {
  readonly source: JournalSource;
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

/**
 * Print the unit's journal of every host, merged by time, one host-prefixed line per entry with every known
 * secret redacted; with `follow`, poll each host for what came after its cursor. A host that cannot be read
 * is named on stderr and the others go on. Returns the hosts that failed (in the last round).
 */
export async function showLogs(request: LogsRequest): Promise<string[]> {
  const { source, out } = request;
  const cursors = new Map<string, string | undefined>();
  const failing = new Set<string>();
  let hosts: string[] = [];
  let width = 0;
  let query = (_host: string): JournalQuery => request.query;
  for (let round = 1; ; round++) {
    const roundStart = request.now();
    const reads =
      round === 1
        ? await source.first(request.query)
        : await Promise.all(hosts.map((host) => source.next(host, query(host))));
    if (round === 1) {
      hosts = reads.map((r) => r.host);
      width = Math.max(0, ...hosts.map((h) => h.length));
    }
    for (const read of reads) {
      if ('error' in read) {
        if (!failing.has(read.host)) out.error(`${read.host}: ${source.redact(read.error)}\n`);
        failing.add(read.host);
      } else {
        if (failing.delete(read.host) && round > 1) out.error(`${read.host}: reachable again\n`);
        cursors.set(read.host, read.cursor ?? cursors.get(read.host));
      }
    }
    const entries = mergeJournals(reads.flatMap((r) => ('entries' in r ? [r.entries] : [])));
    for (const entry of entries) {
      // Redacted before formatting: JSON escaping would hide a value holding `"` or `\` from the redactor.
      const shown = { ...entry, text: source.redact(entry.text) };
      out.write(`${request.json ? jsonEntry(shown) : formatEntry(shown, width)}\n`);
    }
    if (round === 1 && entries.length === 0 && failing.size < hosts.length) {
      out.error(`no journal entries of ${source.unit} ${request.follow ? 'yet' : 'in this range'}\n`);
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

/** The journals of `hosts` as this process reaches them (the local hosts of `--data`, or SSM with `--aws`). */
export function localJournals(access: Access, hosts: readonly string[]): JournalSource {
  return {
    unit: access.instance.unit,
    redact: access.redact,
    first: (query) => Promise.all(hosts.map((host) => readHost(access, host, query))),
    next: (host, query) => readHost(access, host, query),
  };
}

async function readHost(access: Access, host: string, query: JournalQuery): Promise<JournalRead> {
  try {
    const result = await access.hosts.exec(host, journalArgv(access.instance, query), { timeoutMs: 60_000 });
    return journalReadOf(host, result);
  } catch (error) {
    return { host, error: `unreachable: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The time window of `--deployment ID` (its start to its end), checked to be this environment's. */
export async function deploymentWindow(access: Access, id: string, follow = false): Promise<JournalQuery> {
  const { app, env } = access.instance;
  if (!access.state)
    throw new TarmacError(
      '--deployment with --aws reads the state table — set TARMAC_STATE_TABLE (the stack output StateTableName)',
    );
  return windowOf(access.state, app, env, id, follow);
}
