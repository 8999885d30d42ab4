import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'tarmac.mjs');

describe('bin/tarmac.mjs (the CLI compiled to JavaScript)', () => {
  it('answers --help from the compiled build, and rebuilds only when a source is newer', {
    timeout: 60_000,
  }, async () => {
    const first = await run(process.execPath, [BIN, '--help'], { cwd: ROOT });
    expect(first.stdout).toMatch(/Usage: tarmac/);
    expect(first.stdout).toMatch(/status\s+environments: current release/);
    const builds = () => readdirSync(join(ROOT, '.cache', 'cli')).filter((name) => name.startsWith('build-'));
    const [build] = builds();
    const stamp = join(ROOT, '.cache', 'cli', build as string, 'built-at');
    const built = statSync(stamp).mtimeMs;
    await run(process.execPath, [BIN, '--help'], { cwd: ROOT });
    expect(statSync(stamp).mtimeMs).toBe(built);
    expect(builds()).toContain(build);
  });

  it('runs a command module from the build, with its templates beside it', { timeout: 60_000 }, async () => {
    const { stdout } = await run(process.execPath, [BIN, 'config', 'schema'], { cwd: ROOT });
    expect(JSON.parse(stdout)).toMatchObject({ type: 'object' });
    const build = readdirSync(join(ROOT, '.cache', 'cli')).find((name) => name.startsWith('build-')) as string;
    expect(statSync(join(ROOT, '.cache', 'cli', build, 'templates', 'hooks', 'after-install.sh')).isFile()).toBe(true);
  });
});
