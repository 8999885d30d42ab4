import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../../../functions/adapters/local/file-secrets';
import { main } from '../../../../functions/cli/main';
import { memoryOutput } from '../../../../functions/cli/output';

const VALUE = 'hunter2-value-that-must-not-leak';

/** Every file under `dir` whose content holds `needle`. */
function filesHolding(dir: string, needle: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((file) => readFileSync(file, 'utf8').includes(needle));
}

describe('local secret store: a refused or failed set leaves nothing on disk', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tarmac-secrets-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('fails on a name with path characters before writing anything, inside or outside the store', async () => {
    const store = new FileSecretStore(join(root, 'data', 'secrets'));
    for (const name of ['../../../leak', '../x', 'UPPER', 'a/b']) {
      await expect(store.set('hello/staging', name, VALUE)).rejects.toThrow(`secret name "${name}" is not valid`);
    }
    expect(filesHolding(root, VALUE)).toEqual([]);
  });

  it('removes its temporary file when the rename fails', async () => {
    const dir = join(root, 'secrets');
    const store = new FileSecretStore(dir);
    mkdirSync(join(dir, 'hello', 'staging', 'database_password'), { recursive: true });
    await expect(store.set('hello/staging', 'database_password', VALUE)).rejects.toThrow();
    expect(filesHolding(root, VALUE)).toEqual([]);
    await store.set('hello/staging', 'other', VALUE);
    expect(readdirSync(join(dir, 'hello', 'staging')).sort()).toEqual(['database_password', 'other']);
    expect(statSync(join(dir, 'hello', 'staging', 'other')).mode & 0o777).toBe(0o600);
  });

  it('tarmac secrets set refuses the name before reading the value', async () => {
    const out = memoryOutput();
    const args = ['secrets', 'set', 'hello/staging', '../../../leak', '--value-file', join(root, 'missing-file')];
    const code = await main(['node', 'tarmac', '--data', join(root, 'data'), ...args], out);
    expect(code).toBe(1);
    // The name is refused first: the (missing) value file is never opened.
    expect(out.err.join('')).toContain('secret name "../../../leak" is not valid');
  });
});
