import { describe, expect, it } from 'vitest';
import { formatEntry, mergeJournals, parseJournal } from '../../../functions/core/journal';
import { redactor } from '../../../functions/core/redact';

const H1 = [
  '1764629401.000100 s6h1 systemd[1]: Started tarmac-hello-staging.service - tarmac hello/staging.',
  '1764629403.500000 s6h1 tarmac-hello-staging[88]: ** (RuntimeError) boom',
  '                                                    (hello 1.0.0) lib/hello.ex:9: Hello.f/0',
  '-- cursor: s=abc;i=2f;b=1;m=9;t=62;x=ff',
  '',
].join('\n');
const H2 = [
  '1764629402.250000 s6h2 tarmac-hello-staging[91]: listening on 4001',
  '-- No entries --',
  '-- cursor: s=def;i=10',
].join('\n');

describe('the journal of a fleet', () => {
  it('parses short-unix entries, joins continuation lines and keeps the cursor', () => {
    const chunk = parseJournal('h1', H1);
    expect(chunk.cursor).toBe('s=abc;i=2f;b=1;m=9;t=62;x=ff');
    expect(chunk.entries).toEqual([
      {
        host: 'h1',
        at: 1764629401.0001,
        text: 'systemd[1]: Started tarmac-hello-staging.service - tarmac hello/staging.',
      },
      {
        host: 'h1',
        at: 1764629403.5,
        text: 'tarmac-hello-staging[88]: ** (RuntimeError) boom\n                                                    (hello 1.0.0) lib/hello.ex:9: Hello.f/0',
      },
    ]);
  });

  it("drops journalctl's own remarks and finds nothing in an empty answer", () => {
    expect(parseJournal('h2', H2).entries).toHaveLength(1);
    expect(parseJournal('h3', '')).toEqual({ entries: [], cursor: undefined });
  });

  it('merges hosts by time, keeping the order of entries of one host', () => {
    const same = [
      { host: 'h1', at: 5, text: 'first' },
      { host: 'h1', at: 5, text: 'second' },
    ];
    const merged = mergeJournals([parseJournal('h1', H1).entries, parseJournal('h2', H2).entries, same]);
    expect(merged.map((e) => `${e.host}:${e.text.slice(0, 12)}`)).toEqual([
      'h1:first',
      'h1:second',
      'h1:systemd[1]: ',
      'h2:tarmac-hello',
      'h1:tarmac-hello',
    ]);
  });

  it('prints one line per entry line, prefixed by the host, the time in UTC', () => {
    const [, crash] = parseJournal('h1', H1).entries;
    expect(formatEntry(crash as never, 3).split('\n')).toEqual([
      'h1   2025-12-01T22:50:03.500Z  tarmac-hello-staging[88]: ** (RuntimeError) boom',
      'h1                                                       (hello 1.0.0) lib/hello.ex:9: Hello.f/0',
    ]);
  });
});

describe('redacting known secrets', () => {
  it('replaces every occurrence of every value, naming the secret', () => {
    const redact = redactor({ secret_key_base: 'kb-0123456789', database_password: 'pw' });
    expect(redact('url=postgres://u:pw@db key=kb-0123456789 again kb-0123456789')).toBe(
      'url=postgres://u:[redacted database_password]@db key=[redacted secret_key_base] again [redacted secret_key_base]',
    );
  });

  it('replaces a longer value before one it contains, and each line of a multi-line value', () => {
    const redact = redactor({
      short: 'abcdef',
      long: 'abcdef-ghijkl',
      pem: '-----BEGIN KEY-----\nMIIBOgIBAAJBAK\n-----END KEY-----',
    });
    expect(redact('abcdef-ghijkl abcdef')).toBe('[redacted long] [redacted short]');
    expect(redact('line: MIIBOgIBAAJBAK')).toBe('line: [redacted pem]');
  });

  it('leaves text without secrets alone, and ignores empty values', () => {
    const redact = redactor({ empty: '', cookie: 'c00kie-value' });
    expect(redact('nothing here')).toBe('nothing here');
  });
});
