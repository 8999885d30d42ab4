import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * Which layer may import which (docs/architecture.md shows the same table). A layer is a folder of
 * functions/ (adapters: one per subfolder), or bin/ and lib/. Imports inside a layer are always allowed.
 * The two composition roots — handlers/ (AWS) and local/ (local mode) — are the only layers that know
 * concrete adapters together with the worker and the HTTP app.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  ports: ['core'],
  log: [],
  release: ['core'],
  bundle: ['core', 'release'],
  state: ['core', 'ports'],
  hosts: ['core', 'log'],
  'adapters/system': ['core', 'ports'],
  'adapters/aws': ['core', 'ports', 'state', 'log', 'adapters/system'],
  'adapters/local': ['core', 'ports', 'state', 'log', 'hosts', 'adapters/system'],
  'adapters/notify': ['core', 'ports', 'state', 'log'],
  http: ['core', 'ports', 'state', 'log'],
  worker: ['core', 'ports', 'state', 'log', 'bundle', 'release'],
  handlers: [
    ...['core', 'ports', 'state', 'log', 'http', 'worker', 'bundle'],
    ...['adapters/aws', 'adapters/notify', 'adapters/system'],
  ],
  local: [
    ...['core', 'ports', 'state', 'log', 'hosts', 'http', 'worker', 'bundle'],
    ...['adapters/local', 'adapters/notify', 'adapters/system'],
  ],
  cli: [
    ...['core', 'ports', 'state', 'log', 'hosts', 'release', 'bundle', 'local', 'http'],
    // `--aws` variants of secrets and fleet commands talk to SSM and SQS directly.
    ...['adapters/aws', 'adapters/local'],
  ],
  bin: ['cli', 'lib'],
  lib: ['core'],
};

/** The layer a repository-relative path belongs to (`functions/adapters/aws/x.ts` → `adapters/aws`). */
function layerOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[0] === 'bin' || parts[0] === 'lib') return parts[0];
  if (parts[0] !== 'functions' || parts.length < 2) return undefined;
  if (parts.length === 2) return (parts[1] as string).replace(/\.ts$/, '');
  if (parts[1] === 'adapters') return `adapters/${(parts[2] as string).replace(/\.ts$/, '')}`;
  return parts[1];
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : /\.tsx?$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

/** Relative specifiers of every static import/export and dynamic `import()` in a file. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1] as string);
  return specs.filter((spec) => spec.startsWith('.'));
}

/** The import of `spec` by `file` (repository-relative) when the table forbids it, else undefined. */
function forbidden(file: string, spec: string): string | undefined {
  const from = layerOf(file);
  const to = layerOf(relative(ROOT, resolve(ROOT, dirname(file), spec)));
  if (!from || !to || to === from || MAY_IMPORT[from]?.includes(to)) return undefined;
  return `${file} imports ${spec} (${from} → ${to})`;
}

/** Every import that crosses layers against the table, as `file imports spec (a → b)`. */
function violations(files: readonly string[]): string[] {
  return files.flatMap((file) => {
    const path = relative(ROOT, file);
    return importsOf(file).flatMap((spec) => forbidden(path, spec) ?? []);
  });
}

describe('layers', () => {
  const files = ['functions', 'bin', 'lib'].flatMap((dir) => sources(join(ROOT, dir)));

  it('knows the layer of every source file', () => {
    expect(files.length).toBeGreaterThan(100);
    const untabled = [...new Set(files.map((f) => layerOf(relative(ROOT, f)) as string))].filter(
      (layer) => !(layer in MAY_IMPORT),
    );
    expect(untabled).toEqual([]);
  });

  it('import only what the table allows', () => {
    expect(violations(files)).toEqual([]);
  });

  it('names a forbidden import with both layers, and lets an allowed one pass', () => {
    expect(forbidden('functions/http/app.ts', '../adapters/local')).toBe(
      'functions/http/app.ts imports ../adapters/local (http → adapters/local)',
    );
    expect(forbidden('functions/adapters/aws/sqs-queue.ts', '../local/sqlite-queue')).toBe(
      'functions/adapters/aws/sqs-queue.ts imports ../local/sqlite-queue (adapters/aws → adapters/local)',
    );
    expect(forbidden('functions/worker/start.ts', '../state/fleets')).toBeUndefined();
    expect(forbidden('functions/core/plans.ts', './config')).toBeUndefined();
  });
});
