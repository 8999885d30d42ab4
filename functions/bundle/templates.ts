import { readFileSync } from 'node:fs';

/**
 * The static parts of the bundle (hook scripts, their shared library, the start wrapper's body, the host-side
 * tarball validator) live as real files in `templates/` so editors and shellcheck see them as what they are.
 * They are read once. A bundler (esbuild for Lambda) must copy `functions/bundle/templates/` next to the output.
 */
const cache = new Map<string, string>();

export function template(relativePath: string): string {
  let text = cache.get(relativePath);
  if (text === undefined) {
    text = readFileSync(new URL(`./templates/${relativePath}`, import.meta.url), 'utf8');
    cache.set(relativePath, text);
  }
  return text;
}
