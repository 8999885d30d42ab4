import { readFileSync } from 'node:fs';
import { parseConfig } from '../../../functions/core/config';
import { ConfigError, formatIssue } from '../../../functions/core/errors';

/** The shipped example config, as text. */
export const example = readFileSync(new URL('../../../examples/tarmac.yml', import.meta.url), 'utf8');

/** Every error `parseConfig` lists for `text`, formatted as `tarmac config check` prints them; throws if none. */
export function errorsOf(text: string): string[] {
  try {
    parseConfig(text, 'test.yml');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue);
    throw error;
  }
  throw new Error('expected a ConfigError');
}
