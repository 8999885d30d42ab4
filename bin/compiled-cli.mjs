// Compiles the TypeScript CLI to JavaScript once (esbuild: one ESM entry plus a chunk per lazily imported
// command module), and again whenever a source is newer than the build, so `tarmac` starts by loading plain
// JavaScript instead of transpiling every module it imports. Used by bin/tarmac.mjs.
import { cpSync, existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
 * The compiled CLI's entry, built first when no build of the current sources exists. Each build lives in a
 * directory named after the newest source time and is never changed once renamed into place, so CLIs
 * started side by side (the test suite does) never see half a build or lose one mid-run; two that build at
 * once keep whichever rename came first. Builds of older sources are removed after ten minutes.
 */
export async function compiledCli() {
  const dir = join(OUT, `build-${Math.floor(newestSource())}`);
  if (existsSync(join(dir, 'built-at'))) return join(dir, ENTRY);
  const { build } = await import('esbuild');
  const next = join(OUT, `tmp-${process.pid}-${Date.now()}`);
  await build({
    entryPoints: { tarmac: join(ROOT, 'bin', 'tarmac.ts') },
    outdir: next,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Packages stay external (native addons, the AWS SDK, pino's worker files), except the pure-JS ones every
    // command loads: bundled, each is one compile instead of a file read and compile per module (yaml: ~100).
    plugins: [bundleOnly(BUNDLED)],
    // The bundled CommonJS packages require Node's builtins: give every chunk a `require`.
    banner: {
      js: "import { createRequire as __tarmacCreateRequire } from 'node:module'; const require = __tarmacCreateRequire(import.meta.url);",
    },
    // A separate .map file (read only under --enable-source-maps): inline maps tripled what every start reads.
    sourcemap: 'linked',
    logLevel: 'error',
  });
  // The bundle renderer reads its templates beside its code (functions/bundle/templates.ts).
  cpSync(join(ROOT, 'functions', 'bundle', 'templates'), join(next, 'templates'), { recursive: true });
  writeFileSync(join(next, 'built-at'), '');
  try {
    renameSync(next, dir);
  } catch {
    rmSync(next, { recursive: true, force: true }); // another CLI renamed its identical build first
  }
  removeOldBuilds(dir);
  return join(dir, ENTRY);
}

const BUNDLED = new Set(['yaml', 'zod', 'commander']);

/** esbuild plugin: every bare import is external unless its package is in `names`. */
function bundleOnly(names) {
  return {
    name: 'bundle-only',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
        return names.has(name) ? undefined : { path: args.path, external: true };
      });
    },
  };
}

function removeOldBuilds(keep) {
  const cutoff = Date.now() - 10 * 60_000;
  for (const name of readdirSync(OUT)) {
    const path = join(OUT, name);
    if (path !== keep && (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? cutoff) < cutoff) {
      rmSync(path, { recursive: true, force: true });
    }
  }
}
