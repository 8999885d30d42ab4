import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/fixture';

const data = mkdtempSync(join(tmpdir(), 'tarmac-epipe-'));
afterAll(() => rmSync(data, { recursive: true, force: true }));

describe('tarmac piped into a reader that stops early', () => {
  it('ends quietly (as `git log | head` does), not with an EPIPE stack trace', () => {
    // `true` exits before the CLI has started, so every write of the CLI meets a closed pipe.
    const cli = `node bin/tarmac.mjs --config examples/tarmac.yml --data '${data}' history hello staging`;
    const run = spawnSync('bash', ['-c', `${cli} | true; echo "cli exit \${PIPESTATUS[0]}" >&2`], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(run.stderr).not.toContain('EPIPE');
    expect(run.stderr).toContain('cli exit 0');
  }, 60_000);
});
