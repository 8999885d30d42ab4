import { isMap, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors';
import { assertConfig } from './assertions';
import { configSchema, type TarmacConfig } from './schema';

/**
 * Parse and validate the text of a `tarmac.yml`. Throws a {@link ConfigError} listing every problem at once:
 * YAML syntax errors with line and column, schema errors with path, expectation and received value, and
 * cross-instance clashes. Pure: the caller reads the file.
 *
 * @example
 *   const config = parseConfig(readFileSync('tarmac.yml', 'utf8'), 'tarmac.yml');
 */
export function parseConfig(text: string, source = 'tarmac.yml'): TarmacConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((error) => {
        const at = lineCounter.linePos(error.pos[0]);
        return { path: '', message: `invalid YAML: ${error.message.split('\n')[0]}`, line: at.line, column: at.col };
      }),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => toConfigIssue(issue, raw, doc, lineCounter)),
    );
  }
  const clashes = assertConfig(result.data);
  if (clashes.length > 0) throw new ConfigError(source, clashes);
  return result.data;
}

function toConfigIssue(
  issue: z.core.$ZodIssue,
  raw: unknown,
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
): ConfigIssue {
  const segments = issue.path.map(String);
  const path = segments.join('.');
  const position = positionOf(doc, issue.path as (string | number)[], lineCounter);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `"${k}"`).join(', ');
    return {
      path: path || '(top level)',
      message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys} — remove or rename (see tarmac config schema)`,
      ...position,
    };
  }
  if (issue.code === 'invalid_key') return invalidKey(issue, segments, position);
  const received = valueAt(raw, segments);
  const shown = received === undefined ? 'nothing' : JSON.stringify(received);
  if (issue.code === 'invalid_type') {
    return { path, message: `expected ${issue.expected}, received ${shown}`, ...position };
  }
  return { path, message: `${issue.message} (received ${shown})`, ...position };
}

/** What a key of each record names, by the key of the record that holds it. */
const KEY_KINDS: Readonly<Record<string, string>> = {
  apps: 'app name',
  fleets: 'fleet name',
  environments: 'environment name',
  env: 'environment variable name',
  ec2_tags: 'EC2 tag key',
};

/** A record key refused for its characters: say what it names and which characters are allowed, not the whole value. */
function invalidKey(
  issue: z.core.$ZodIssueInvalidKey,
  segments: string[],
  position: { line?: number; column?: number },
): ConfigIssue {
  const key = segments.at(-1) ?? '';
  const parent = segments.at(-2) ?? '';
  const kind = Object.hasOwn(KEY_KINDS, parent) ? KEY_KINDS[parent] : 'key';
  const reasons = issue.issues.map((inner) => inner.message).join('; ');
  // A reserved name (a custom check) already says what and why; a bad shape says which characters are allowed.
  const reserved = issue.issues.every((inner) => inner.code === 'custom');
  const message = reserved ? reasons : `"${key}" is not a valid ${kind}: ${reasons}`;
  return { path: segments.join('.'), message, ...position };
}

function valueAt(raw: unknown, segments: string[]): unknown {
  let value = raw;
  for (const segment of segments) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function positionOf(doc: ReturnType<typeof parseDocument>, path: (string | number)[], lineCounter: LineCounter) {
  for (let length = path.length; length >= 0; length--) {
    const node = length === 0 ? doc.contents : doc.getIn(path.slice(0, length), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range && (length === 0 ? isMap(node) : true)) {
      const at = lineCounter.linePos(range[0]);
      return { line: at.line, column: at.col };
    }
  }
  return {};
}
