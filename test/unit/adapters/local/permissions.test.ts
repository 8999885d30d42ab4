import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalAdapters } from '../../../../functions/adapters/local';
import { main } from '../../../../functions/cli/main';
import { memoryOutput } from '../../../../functions/cli/output';
import type { Job } from '../../../../functions/core/jobs';

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

/** Every file and directory under `dir` (recursively): relative path, octal mode, and whether it is a file. */
function modes(dir: string): [string, string, boolean][] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => [
    join(e.parentPath, e.name).slice(dir.length + 1),
    modeOf(join(e.parentPath, e.name)),
    e.isFile(),
  ]);
}

const JOB: Job = {
  v: 1,
  type: 'unlock',
  idempotencyKey: 'k',
  correlationId: 'c',
  app: 'hello',
  env: 'staging',
  by: 'alice',
  replyTo: { slackResponseUrl: 'https://hooks.slack.com/commands/T/1/x' },
};

describe('local data dir: owner-only (the databases hold Slack response_urls)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tarmac-perms-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates the data dir 0700 and every file in it 0600: databases with -wal/-shm, artifacts, metadata', async () => {
    const previous = process.umask(0o022);
    try {
      const data = join(root, 'data');
      const adapters = openLocalAdapters(data);
      await adapters.state.put({ pk: 'p', sk: 's' }, { slackResponseUrl: 'https://hooks.slack.com/x' });
      await adapters.queue.send({ group: 'g', dedupKey: 'k', body: JOB });
      await adapters.artifacts.put(Readable.from([Buffer.from('tarball')]), { key: 'uploads/hello/1.0.0/x' });
      await adapters.artifacts.put(Readable.from([Buffer.from('tarball')]));
      const found = modes(data);
      adapters.close();
      expect(modeOf(data)).toBe('700');
      expect(found.map(([path]) => path)).toEqual(
        expect.arrayContaining(['state.db', 'state.db-wal', 'state.db-shm', 'queue.db', 'queue.db-wal']),
      );
      const files = found.filter(([, , file]) => file);
      expect(files.filter(([, mode]) => mode !== '600')).toEqual([]);
      expect(found.filter(([, mode, file]) => !file && mode !== '700')).toEqual([]);
      expect(files.some(([path]) => path.startsWith('artifacts/sha256/'))).toBe(true);
    } finally {
      process.umask(previous);
    }
  });

  it('tightens a data dir and databases an older tarmac left 0755/0644', () => {
    const data = join(root, 'old');
    mkdirSync(data, { mode: 0o755 });
    chmodSync(data, 0o755);
    writeFileSync(join(data, 'state.db'), '', { mode: 0o644 });
    chmodSync(join(data, 'state.db'), 0o644);
    openLocalAdapters(data).close();
    expect(modeOf(data)).toBe('700');
    expect(modeOf(join(data, 'state.db'))).toBe('600');
  });

  it('gives the CLI log under --data the same owner-only mode', async () => {
    const data = join(root, 'cli');
    const config = new URL('../../../../examples/tarmac.yml', import.meta.url).pathname;
    expect(await main(['node', 'tarmac', '--config', config, '--data', data, 'status'], memoryOutput())).toBe(0);
    expect(modeOf(data)).toBe('700');
    expect(modeOf(join(data, 'tarmac.log'))).toBe('600');
  });
});
