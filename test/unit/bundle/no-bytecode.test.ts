import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderBundle } from '../../../functions/bundle/render';
import { copyDirectoryCommand } from '../../../lib/constructs/tarmac-function';
import { REPO_ROOT } from '../../support/fixture';
import { renderInput } from './fixture';

const scratch = mkdtempSync(join(tmpdir(), 'tarmac-bytecode-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const bytecode = (path: string) => /(^|\/)__pycache__(\/|$)|\.py[co]$/.test(path);

describe('compiled Python never ships', () => {
  it('is not tracked in the repository', () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n');
    expect(tracked.filter(bytecode)).toEqual([]);
    const ignored = execFileSync('git', ['check-ignore', 'functions/bundle/templates/__pycache__/x.pyc'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(ignored.trim()).toBe('functions/bundle/templates/__pycache__/x.pyc');
  });

  it('is not in a rendered bundle', () => {
    expect(renderBundle(renderInput()).filter((f) => bytecode(f.path) || f.content.includes('\0'))).toEqual([]);
  });

  it('is left out when the templates are copied into the worker Lambda asset', () => {
    // Given templates beside which a local python3 run left its bytecode cache
    const from = join(scratch, 'templates');
    mkdirSync(join(from, 'hooks'), { recursive: true });
    mkdirSync(join(from, '__pycache__'));
    writeFileSync(join(from, 'tarball.py'), 'print("ok")\n');
    writeFileSync(join(from, 'hooks/after-install.sh'), '#!/bin/bash\n');
    writeFileSync(join(from, '__pycache__/tarball.cpython-311.pyc'), Buffer.from([0x6f, 0x0d, 0x0d, 0x0a]));
    writeFileSync(join(from, 'hooks/stray.pyc'), 'x');
    const to = join(scratch, 'asset', 'templates');
    mkdirSync(join(scratch, 'asset'));
    // When the asset's afterBundling command copies them
    execFileSync('bash', ['-c', copyDirectoryCommand(from, to)]);
    // Then everything but the bytecode is there
    const copied = readdirSync(to, { recursive: true, encoding: 'utf8' }).sort();
    expect(copied).toEqual(['hooks', 'hooks/after-install.sh', 'tarball.py']);
  });
});
