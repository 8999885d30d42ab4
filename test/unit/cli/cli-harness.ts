import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { main } from '../../../functions/cli/main';
import { memoryOutput } from '../../../functions/cli/output';

/** What one in-process CLI run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Each test of the calling file gets a fresh temporary directory with a copy of examples/tarmac.yml and its
 * data under `data/`; `tarmac(...)` runs the CLI in-process over them.
 */
export function cliInTempDir(prefix: string) {
  const paths = { dir: '', config: '', data: '' };
  beforeEach(() => {
    paths.dir = mkdtempSync(join(tmpdir(), prefix));
    paths.config = join(paths.dir, 'tarmac.yml');
    paths.data = join(paths.dir, 'data');
    copyFileSync(new URL('../../../examples/tarmac.yml', import.meta.url), paths.config);
  });
  afterEach(() => rmSync(paths.dir, { recursive: true, force: true }));
  async function tarmac(...args: string[]): Promise<CliRun> {
    const out = memoryOutput();
    const code = await main(['node', 'tarmac', '--config', paths.config, '--data', paths.data, ...args], out);
    return { code, stdout: out.out.join(''), stderr: out.err.join('') };
  }
  return { paths, tarmac };
}
