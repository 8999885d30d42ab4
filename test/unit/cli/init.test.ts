import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { factsFromMix, githubRepoOf } from '../../../functions/cli/commands/init';
import { starterConfig } from '../../../functions/cli/init-template';
import { parseConfig } from '../../../functions/core/config';
import { REPO_ROOT } from '../../support/fixture';

// `tarmac init` run as a user would, in a project directory, then `tarmac config check` on what it wrote.
const scratch = mkdtempSync(join(tmpdir(), 'tarmac-init-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const tarmac = (cwd: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/tarmac.mjs'), ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('tarmac init', () => {
  it('writes a starter tarmac.yml from ./mix.exs that config check accepts as written, and prints the next three commands', () => {
    const project = join(scratch, 'hello');
    mkdirSync(project);
    copyFileSync(join(REPO_ROOT, 'test/fixtures/hello/mix.exs'), join(project, 'mix.exs'));
    const init = tarmac(project, 'init');
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toBe(
      'wrote ./tarmac.yml (from ./mix.exs: app hello, release hello; repo your-org/hello)\nnext:\n' +
        '  tarmac config check\n  tarmac secrets init hello staging\n' +
        '  MIX_ENV=prod mix release && tarmac release push _build/prod/hello-<version>.tar.gz --app hello --version <version>\n',
    );
    const check = tarmac(project, 'config', 'check');
    expect(check.stderr).toBe('');
    expect(check.stdout).toMatch(
      /^\.\/tarmac\.yml: ok — 2 instance\(s\)\n {2}hello\/staging {2}fleet web {2}port 4001/,
    );
    expect(check.code).toBe(0);
    expect(readFileSync(join(project, 'tarmac.yml'), 'utf8')).toContain('# migrate: Hello.Release.migrate()');
  });

  it('refuses to replace an existing file unless --force', () => {
    const project = join(scratch, 'again');
    mkdirSync(project);
    writeFileSync(join(project, 'tarmac.yml'), 'mine: true\n');
    const init = tarmac(project, 'init');
    expect(init.stderr).toBe('error: ./tarmac.yml already exists — edit it, or tarmac init --force to replace it\n');
    expect(init.code).toBe(1);
    expect(readFileSync(join(project, 'tarmac.yml'), 'utf8')).toBe('mine: true\n');
    expect(tarmac(project, 'init', '--force').code).toBe(0);
  });

  it('takes the release name, version and GitHub repo it can detect; dashes where Elixir has underscores', () => {
    const mix = `defmodule MyShop.MixProject do
  def project do
    [app: :my_shop, version: "2.3.1", releases: [shop_web: [steps: [:assemble, :tar]]]]
  end
end`;
    const git = '[core]\n\tbare = false\n[remote "origin"]\n\turl = git@github.com:acme/my_shop.git\n';
    const facts = factsFromMix(mix, 'checkout', git);
    expect(facts).toEqual({
      app: 'my-shop',
      release: 'shop_web',
      repo: 'acme/my_shop',
      version: '2.3.1',
      module: 'MyShop',
    });
    expect(githubRepoOf('[remote "origin"]\n\turl = https://github.com/acme/site\n')).toBe('acme/site');
    expect(githubRepoOf('[remote "origin"]\n\turl = https://gitlab.com/acme/site.git\n')).toBeUndefined();
    expect(parseConfig(starterConfig(facts)).apps['my-shop']?.release).toBe('shop_web');
  });
});
