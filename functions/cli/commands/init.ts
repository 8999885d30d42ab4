import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { TarmacError } from '../../core/errors';
import { type StarterFacts, starterConfig } from '../init-template';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';

const word = (text: string, pattern: RegExp) => pattern.exec(text)?.[1];

/** GitHub `owner/repo` of the `origin` remote in `.git/config`, if it points at GitHub. */
export function githubRepoOf(gitConfig: string): string | undefined {
  const origin = /\[remote "origin"\][^[]*?url\s*=\s*(\S+)/.exec(gitConfig)?.[1];
  return origin ? word(origin, /github\.com[:/]([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+?)(?:\.git)?\/?$/) : undefined;
}

/**
 * What a `mix.exs` says: the app (`app: :my_app`), its version (a literal `version: "…"`), and the release name
 * (the first key under `releases:`, else the app). tarmac app names take dashes where Elixir has underscores.
 */
export function factsFromMix(mixExs: string | undefined, dirName: string, gitConfig?: string): StarterFacts {
  const otpApp =
    (mixExs && word(mixExs, /\bapp:\s*:([a-z][a-z0-9_]*)/)) ?? dirName.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const release = (mixExs && word(mixExs, /\breleases:\s*\[\s*([a-z][a-z0-9_]*):/)) ?? otpApp;
  const app =
    otpApp
      .replaceAll('_', '-')
      .replace(/^[^a-z]+/, '')
      .slice(0, 31) || 'app';
  const version = (mixExs && word(mixExs, /\bversion:\s*"([^"]+)"/)) ?? '<version>';
  const module = otpApp
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  const repo = (gitConfig && githubRepoOf(gitConfig)) ?? `your-org/${app}`;
  return { app, release, repo, version, module };
}

const readIfThere = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);

/** `tarmac init`: write the starter config next to `mix.exs` (the current directory) and say what is next. */
export function registerInit(program: Command, out: Output): void {
  program
    .command('init')
    .description('write a commented starter tarmac.yml (app and release from ./mix.exs) and print the next steps')
    .option('--force', 'replace an existing file')
    .action((opts: { force?: boolean }) => {
      const options = program.opts<GlobalOptions>();
      const file = resolve(options.config);
      if (existsSync(file) && !opts.force) {
        throw new TarmacError(`${options.config} already exists — edit it, or tarmac init --force to replace it`, {
          file: options.config,
        });
      }
      const cwd = process.cwd();
      const mix = readIfThere(join(cwd, 'mix.exs'));
      const facts = factsFromMix(mix, cwd.split('/').at(-1) ?? 'app', readIfThere(join(cwd, '.git/config')));
      writeFileSync(file, starterConfig(facts));
      const from = mix
        ? `from ./mix.exs: app ${facts.app}, release ${facts.release}`
        : 'no ./mix.exs: edit app and release';
      const config = options.config === './tarmac.yml' ? '' : ` --config ${options.config}`;
      out.write(`wrote ${options.config} (${from}; repo ${facts.repo})\nnext:\n`);
      out.write(`  tarmac${config} config check\n`);
      out.write(`  tarmac${config} secrets init ${facts.app} staging\n`);
      out.write(
        `  MIX_ENV=prod mix release && tarmac${config} release push _build/prod/${facts.release}-${facts.version}.tar.gz --app ${facts.app} --version ${facts.version}\n`,
      );
    });
}
