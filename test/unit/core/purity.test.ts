import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CORE = new URL('../../../functions/core/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Everything an import statement of a core file names. */
function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map(
    (m) => m[1] as string,
  );
}

describe('functions/core stays pure', () => {
  const files = sources(CORE);

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(8);
  });

  it('imports only other core modules, zod and yaml — no I/O, no AWS SDK, no Hono', () => {
    const foreign = files.flatMap((file) =>
      importsOf(file)
        .filter((spec) => !spec.startsWith('.') && spec !== 'zod' && spec !== 'yaml')
        .map((spec) => `${file.slice(CORE.length)} imports ${spec}`),
    );
    expect(foreign).toEqual([]);
    const escaping = files.flatMap((file) =>
      importsOf(file)
        .filter((spec) => spec.startsWith('..') && !join(file, '..', spec).startsWith(CORE.slice(0, -1)))
        .map((spec) => `${file.slice(CORE.length)} imports ${spec}`),
    );
    expect(escaping).toEqual([]);
  });

  it('never reads the clock or randomness directly (they are injected)', () => {
    const offenders = files.filter((file) =>
      /Date\.now\(|Math\.random\(|new Date\(\)|process\./.test(readFileSync(file, 'utf8')),
    );
    expect(offenders.map((f) => f.slice(CORE.length))).toEqual([]);
  });
});
