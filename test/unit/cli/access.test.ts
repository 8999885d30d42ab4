import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../../functions/adapters/local/sqlite-state';
import { type Access, type AccessHosts, pickHost, refuseServer } from '../../../functions/cli/access/context';
import { localJournals, showLogs } from '../../../functions/cli/access/logs';
import { consoleOnHost, evalOnHost } from '../../../functions/cli/access/session';
import { memoryOutput } from '../../../functions/cli/output';
import { instanceOf } from '../../../functions/core/config';
import { redactor } from '../../../functions/core/redact';
import { createLogger } from '../../../functions/log';
import { accessHistory } from '../../../functions/state/access';
import { exampleConfig } from '../../support/local-deploy';

const SECRET = 'skb-5d1e"0c9a8b7f';
type Answer = { code: number | null; stdout: string; stderr: string } | Error;

/** Hosts that answer from a script per host and remember every argv they were given. */
function scriptedHosts(answers: Record<string, Answer[]>, via: 'local' | 'aws' = 'local') {
  const calls: { host: string; argv: readonly string[] }[] = [];
  const hosts: AccessHosts = {
    via,
    fleetHosts: async () => Object.keys(answers),
    exec: async (host, argv) => {
      calls.push({ host, argv });
      const next = answers[host]?.shift() ?? { code: 0, stdout: '', stderr: '' };
      if (next instanceof Error) throw next;
      return next;
    },
    attach: async (host, argv) => {
      calls.push({ host, argv });
      return 0;
    },
  };
  return { hosts, calls };
}

let dir: string;
let state: SqliteStateStore;
let logLines: string[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tarmac-access-'));
  state = new SqliteStateStore(join(dir, 'state.db'));
  logLines = [];
});
afterEach(() => {
  state.close();
  rmSync(dir, { recursive: true, force: true });
});

const accessWith = (hosts: AccessHosts): Access => ({
  instance: instanceOf(exampleConfig(), 'hello', 'staging'),
  hosts,
  state,
  redact: redactor({ secret_key_base: SECRET }),
  logger: createLogger({ destination: { write: (line: string) => void logLines.push(line) } as never }),
  close: () => {},
});
const journal = (lines: string[], cursor: string) => ({
  code: 0,
  stdout: `${[...lines, `-- cursor: ${cursor}`].join('\n')}\n`,
  stderr: '',
});

describe('tarmac logs over any hosts', () => {
  it('merges the hosts by time, redacts secrets, and names a host it cannot read', async () => {
    const { hosts } = scriptedHosts({
      h1: [journal(['20.0 x app[1]: second', `30.0 x app[1]: key=${SECRET}`], 'c1')],
      h2: [journal(['10.0 y app[2]: first'], 'c2')],
      h3: [new Error('no running host h3')],
    });
    const out = memoryOutput();
    const failed = await showLogs({
      source: localJournals(accessWith(hosts), ['h1', 'h2', 'h3']),
      query: { lines: 10 },
      follow: false,
      pollMs: 1,
      out,
      now: () => 0,
    });
    expect(out.out.join('').split('\n').filter(Boolean)).toEqual([
      'h2  1970-01-01T00:00:10.000Z  app[2]: first',
      'h1  1970-01-01T00:00:20.000Z  app[1]: second',
      'h1  1970-01-01T00:00:30.000Z  app[1]: key=[redacted secret_key_base]',
    ]);
    expect(out.err.join('')).toBe('h3: unreachable: no running host h3\n');
    expect(failed).toEqual(['h3']);
  });

  it('prints one JSON object per entry with --json, redacted too', async () => {
    const { hosts } = scriptedHosts({ h1: [journal([`20.5 x app[1]: key=${SECRET}`], 'c1')] });
    const out = memoryOutput();
    await showLogs({
      source: localJournals(accessWith(hosts), ['h1']),
      query: {},
      follow: false,
      pollMs: 1,
      out,
      json: true,
      now: () => 0,
    });
    expect(out.out.map((l) => JSON.parse(l))).toEqual([
      { host: 'h1', at: '1970-01-01T00:00:20.500Z', text: 'app[1]: key=[redacted secret_key_base]' },
    ]);
  });

  it('says so when the unit has no entries in the range', async () => {
    const { hosts } = scriptedHosts({ h1: [{ code: 0, stdout: '', stderr: '' }] });
    const out = memoryOutput();
    const failed = await showLogs({
      source: localJournals(accessWith(hosts), ['h1']),
      query: { since: 1, until: 2 },
      follow: false,
      pollMs: 1,
      out,
      now: () => 0,
    });
    expect(failed).toEqual([]);
    expect(out.out).toEqual([]);
    expect(out.err.join('')).toBe('no journal entries of tarmac-hello-staging.service in this range\n');
  });

  it('follows each host after its own cursor until aborted', async () => {
    const stop = new AbortController();
    const { hosts, calls } = scriptedHosts({
      h1: [journal(['1.0 x app[1]: old'], 's=1'), journal(['2.0 x app[1]: new'], 's=2')],
      h2: [{ code: 1, stdout: '', stderr: 'journal corrupt' }, journal(['3.0 y app[2]: back'], 't=1')],
    });
    const out = memoryOutput();
    out.write = (text) => {
      (out.out as string[]).push(text);
      if (text.includes('back')) stop.abort();
    };
    await showLogs({
      source: localJournals(accessWith(hosts), ['h1', 'h2']),
      query: { lines: 5 },
      follow: true,
      pollMs: 1,
      signal: stop.signal,
      out,
      now: () => 42,
    });
    expect(out.out.join('')).toContain('app[1]: new');
    expect(calls.filter((c) => c.host === 'h1').map((c) => c.argv.at(-1))).toEqual(['--lines=5', '--after-cursor=s=1']);
    // A host that failed is read again from the failed round on, not from its last N entries.
    expect(calls.filter((c) => c.host === 'h2').map((c) => c.argv.at(-1))).toEqual(['--lines=5', '--since=@42']);
    expect(out.err.join('')).toBe('h2: journalctl failed (exit 1): journal corrupt\nh2: reachable again\n');
  });
});

describe('tarmac eval and console over any hosts', () => {
  it('prints the answer redacted and records the session before and after it runs', async () => {
    const { hosts, calls } = scriptedHosts({ h1: [{ code: 0, stdout: `${SECRET}\n`, stderr: '' }] });
    const out = memoryOutput();
    const code = await evalOnHost(accessWith(hosts), 'h1', `IO.puts("${SECRET}")`, out);
    expect(code).toBe(0);
    expect(out.out.join('')).toBe('[redacted secret_key_base]\n');
    expect(calls[0]?.argv.slice(-2)).toEqual(['rpc', `IO.puts("${SECRET}")`]);
    const [record] = await accessHistory(state, 'hello', 'staging');
    expect(record).toMatchObject({
      kind: 'eval',
      host: 'h1',
      via: 'local',
      exitCode: 0,
      expression: 'IO.puts("[redacted secret_key_base]")',
    });
    expect(record?.endedAt).toBeDefined();
    // One id ties the record, the log events and the transient unit on the host together.
    expect(calls[0]?.argv).toContain(`--unit=tarmac-hello-staging-rpc-${record?.id}`);
    const events = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => [e.event, e.correlationId])).toEqual([
      ['access.started', record?.id],
      ['access.ended', record?.id],
    ]);
    expect(logLines.join('')).not.toContain(SECRET);
  });

  it('keeps the record of a session whose host could not be reached, and fails', async () => {
    const { hosts } = scriptedHosts({ h1: [new Error('no running host h1')] });
    await expect(evalOnHost(accessWith(hosts), 'h1', '1', memoryOutput())).rejects.toThrow('no running host h1');
    expect(await accessHistory(state, 'hello', 'staging')).toMatchObject([{ kind: 'eval', exitCode: null }]);
  });

  it('says why when rpc does not answer, and exits 1', async () => {
    const { hosts } = scriptedHosts({ h2: [{ code: 1, stdout: '', stderr: 'RPC failed with reason :nodedown\n' }] });
    const out = memoryOutput();
    expect(await evalOnHost(accessWith(hosts), 'h2', '1', out)).toBe(1);
    expect(out.err.join('')).toContain(
      'is tarmac-hello-staging.service running there? tarmac logs hello staging --host h2',
    );
  });

  it('attaches a console with remote and records it', async () => {
    const { hosts, calls } = scriptedHosts({ h1: [] });
    expect(await consoleOnHost(accessWith(hosts), 'h1')).toBe(0);
    expect(calls[0]?.argv).toContain('--pty');
    expect(calls[0]?.argv.at(-1)).toBe('remote');
    expect(await accessHistory(state, 'hello', 'staging')).toMatchObject([
      { kind: 'console', host: 'h1', exitCode: 0 },
    ]);
  });

  it('refuses to run unaudited when there is no state to record in', async () => {
    const { hosts, calls } = scriptedHosts({ h1: [] }, 'aws');
    const access = { ...accessWith(hosts), state: undefined };
    await expect(evalOnHost(access, 'h1', '1', memoryOutput())).rejects.toThrow('set TARMAC_STATE_TABLE');
    expect(calls).toEqual([]);
  });
});

describe('choosing a host', () => {
  it('takes the only host, or the one named if it is in the fleet', async () => {
    expect(await pickHost(accessWith(scriptedHosts({ h1: [] }).hosts), undefined)).toBe('h1');
    expect(await pickHost(accessWith(scriptedHosts({ h1: [], h2: [] }).hosts), 'h2')).toBe('h2');
  });

  it('fails naming the fleet and its hosts otherwise', async () => {
    const two = accessWith(scriptedHosts({ h1: [], h2: [] }).hosts);
    await expect(pickHost(two, undefined)).rejects.toThrow('fleet web has 2 hosts (h1, h2) — say which with --host');
    await expect(pickHost(two, 'h7')).rejects.toThrow("host h7 is not one of fleet web's (hosts: h1, h2)");
  });

  it('refuses --server rather than running against local hosts', () => {
    expect(() => refuseServer({ config: 'c', data: 'd', server: 'https://x' }, 'console')).toThrow(
      'tarmac console does not work with --server yet',
    );
    expect(() => refuseServer({ config: 'c', data: 'd' }, 'console')).not.toThrow();
  });
});
