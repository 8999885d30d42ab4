/**
 * The journal as `tarmac logs` shows it: `journalctl -o short-unix` output of each host, parsed into entries,
 * merged by time across the fleet and printed one line per entry, prefixed by the host.
 */

/** One journal entry of one host: when (epoch seconds, microsecond precision) and what `journalctl` said. */
export interface JournalEntry {
  readonly host: string;
  readonly at: number;
  /** `<identifier>[<pid>]: <message>`; continuation lines of a multi-line message joined with `\n`. */
  readonly text: string;
}

/** Which entries of the unit's journal to read (`journalctl` options; bundle/operator-commands.ts builds the argv). */
export interface JournalQuery {
  /** The last N entries (omitted with `afterCursor`: everything after it). */
  readonly lines?: number;
  /** Epoch seconds: entries from then on (a deployment's start). */
  readonly since?: number;
  /** Epoch seconds: entries up to then (a deployment's end). */
  readonly until?: number;
  /** Go on after this cursor (`--follow` polls with the cursor of the previous read). */
  readonly afterCursor?: string;
}

/** What one read of one host gave: its entries and the cursor to go on from, or why it could not be read. */
export type JournalRead =
  | { readonly host: string; readonly entries: JournalEntry[]; readonly cursor?: string | undefined }
  | { readonly host: string; readonly error: string };

export interface JournalChunk {
  readonly entries: JournalEntry[];
  /** The cursor `--show-cursor` printed after the last entry: where the next read goes on. */
  readonly cursor: string | undefined;
}

// `1733093401.123456 <hostname> tarmac-hello-staging[123]: message`
const ENTRY = /^(\d+(?:\.\d+)?) \S+ (.*)$/;
const CURSOR = /^-- cursor: (.+)$/;

/**
 * Parse the output of `journalctl -o short-unix [--show-cursor]` from `host`. Lines that continue a
 * multi-line message (journalctl indents them) belong to the entry above; other `-- …` lines are journalctl's
 * own remarks and are dropped.
 */
export function parseJournal(host: string, output: string): JournalChunk {
  const entries: { host: string; at: number; text: string }[] = [];
  let cursor: string | undefined;
  for (const line of output.split('\n')) {
    const entry = ENTRY.exec(line);
    const mark = CURSOR.exec(line);
    const last = entries.at(-1);
    if (entry) entries.push({ host, at: Number(entry[1]), text: entry[2] as string });
    else if (mark) cursor = (mark[1] as string).trim();
    else if (line.startsWith('-- ') || line.trim() === '') continue;
    else if (last) last.text += `\n${line}`;
  }
  return { entries, cursor };
}

/** What `journalctl` answered on a host, as a read: its entries and cursor, or why it failed. */
export function journalReadOf(
  host: string,
  result: { readonly code: number | null; readonly stdout: string; readonly stderr: string },
): JournalRead {
  if (result.code !== 0) {
    return { host, error: `journalctl failed (exit ${result.code}): ${(result.stderr || result.stdout).trim()}` };
  }
  return { host, ...parseJournal(host, result.stdout) };
}

/** Entries of several hosts in time order; entries of one host keep their order (a stable sort). */
export function mergeJournals(chunks: readonly (readonly JournalEntry[])[]): JournalEntry[] {
  return chunks.flat().sort((a, b) => a.at - b.at);
}

/** `h1  2026-12-01T22:50:01.123Z  tarmac-hello-staging[123]: message` — the time in UTC, whatever the host's zone. */
export function formatEntry(entry: JournalEntry, hostWidth = 0): string {
  const when = new Date(Math.floor(entry.at * 1000)).toISOString();
  const prefix = `${entry.host.padEnd(hostWidth)}  ${when}  `;
  // Each continuation line carries the host too, so `grep h2` keeps whole messages.
  return entry.text
    .split('\n')
    .map((line, i) => (i === 0 ? `${prefix}${line}` : `${entry.host.padEnd(hostWidth)}  ${line}`))
    .join('\n');
}
