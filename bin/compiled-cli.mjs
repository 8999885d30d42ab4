// Compiles the TypeScript CLI to JavaScript once (esbuild: one ESM entry plus a chunk per lazily imported
// command module), and again whenever a source is newer than the build, so `tarmac` starts by loading plain
// JavaScript instead of transpiling every module it imports. Used by bin/tarmac.mjs.
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, '.cache', 'cli');
const ENTRY = 'tarmac.mjs';
const SOURCES = ['bin', 'functions', 'package.json', 'tsconfig.json'];

/** Newest modification time (ms) under the sources the CLI is built from. */
function newestSource() {
  let newest = 0;
  const walk = (path) => {
    const info = statSync(path, { throwIfNoEntry: false });
    if (!info) return;
    newest = Math.max(newest, info.mtimeMs);
    if (info.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  for (const source of SOURCES) walk(join(ROOT, source));
  return newest;
}

/**
 * The compiled CLI's entry, built first when missing or older than a source. A build goes to a fresh
 * directory that replaces the old one by rename, so a CLI started meanwhile never sees half a build.
 */
export async function compiledCli() {
  const stamp = join(OUT, 'built-at');
  const built = statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (built >= newestSource() && existsSync(join(OUT, ENTRY))) return join(OUT, ENTRY);
  const { build } = await import('esbuild');
  const next = `${OUT}.${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  await build({
    entryPoints: { tarmac: join(ROOT, 'bin', 'tarmac.ts') },
    outdir: next,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'error',
  });
  // The bundle renderer reads its templates beside its code (functions/bundle/templates.ts).
  cpSync(join(ROOT, 'functions', 'bundle', 'templates'), join(next, 'templates'), { recursive: true });
  writeFileSync(join(next, 'built-at'), '');
  mkdirSync(dirname(OUT), { recursive: true });
  rmSync(OUT, { recursive: true, force: true });
  renameSync(next, OUT);
  return join(OUT, ENTRY);
}
