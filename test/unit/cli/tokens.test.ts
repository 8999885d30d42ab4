import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../../functions/adapters/local/file-secrets';
import { main } from '../../../functions/cli/main';
import { memoryOutput } from '../../../functions/cli/output';
import { verifyToken } from '../../../functions/state/token-check';

describe('tarmac tokens create|list|revoke', () => {
  const data = mkdtempSync(join(tmpdir(), 'tarmac-tokens-'));
  afterAll(() => rmSync(data, { recursive: true, force: true }));
  const tarmac = async (...args: string[]) => {
    const out = memoryOutput();
    const code = await main(['node', 'tarmac', '--data', data, 'tokens', ...args], out);
    return { code, stdout: out.out.join(''), stderr: out.err.join('') };
  };
  const globals = () => new FileSecretStore(join(data, 'secrets')).getAll('_global');

  it('prints a new token once and stores only its digest with the grant', async () => {
    const created = await tarmac(
      'create',
      'ci_bot',
      '--scope',
      'deploy',
      '--env',
      'hello/staging',
      '--env',
      'hello/qa',
    );
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^tarmac\.ci_bot\.[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain('token ci_bot (deploy for hello/staging, hello/qa) created — shown once');
    const secret = token.split('.')[2] as string;
    const stored = readdirSync(join(data, 'secrets'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
      .join('\n');
    expect(stored).not.toContain(secret);
    expect(verifyToken(await globals(), token)).toEqual({
      name: 'ci_bot',
      scope: 'deploy',
      environments: ['hello/staging', 'hello/qa'],
    });
    expect(verifyToken(await globals(), `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    const list = await tarmac('list');
    expect(list.stdout).toMatch(/^ci_bot\s+deploy hello\/staging,hello\/qa {2}created \d{4}-/);
    expect(list.stdout).not.toContain(secret);
  });

  it('refuses a second live token of the same name, bad names, scopes and environments', async () => {
    expect((await tarmac('create', 'ci_bot', '--scope', 'read')).stderr).toBe(
      'error: token "ci_bot" exists — revoke it first (tarmac tokens revoke ci_bot)\n',
    );
    expect((await tarmac('create', 'CI', '--scope', 'read')).stderr).toMatch(/token name "CI" is not valid/);
    expect((await tarmac('create', 'x', '--scope', 'owner')).stderr).toBe(
      'error: --scope owner is not a scope — use read, deploy or admin\n',
    );
    expect((await tarmac('create', 'x', '--scope', 'admin', '--env', 'hello/staging')).stderr).toBe(
      'error: --env limits what a deploy token may change — admin tokens are never limited to environments\n',
    );
    expect((await tarmac('create', 'y', '--scope', 'deploy', '--env', 'hello')).stderr).toMatch(
      /environment "hello" is not valid for a token — use <app>\/<env> or <app>\/\*/,
    );
  });

  it('revokes a token: it grants nothing any more, and its name may be issued again', async () => {
    const before = await globals();
    expect((await tarmac('revoke', 'ci_bot')).stdout).toBe('token ci_bot: revoked\n');
    expect(Object.keys(before)).toContain('token_ci_bot');
    expect((await tarmac('list')).stdout).toMatch(/^ci_bot\s+revoked \d{4}-/);
    const again = (await tarmac('create', 'ci_bot', '--scope', 'read')).stdout.trim();
    expect(verifyToken(await globals(), again)).toMatchObject({ name: 'ci_bot', scope: 'read' });
    expect((await tarmac('revoke', 'nobody')).stderr).toBe(
      'error: no token "nobody" — tarmac tokens list shows them\n',
    );
  });
});
