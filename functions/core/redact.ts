/**
 * Known secret values out of text an operator sees (journal lines, eval answers, audit records). Hosts never
 * print secrets on purpose, but a release can: a crash report that dumps the environment, a log line with a
 * connection URL. Whatever the source, a value tarmac knows is replaced by `[redacted <name>]`.
 */

/**
 * Lines of a multi-line value shorter than this are not matched on their own (a PEM's `-----END…` line would
 * do no harm, but a 1-character line would shred every text). A whole value is always matched, however short.
 */
export const MIN_LINE_LENGTH = 6;

/** A function that replaces every known secret value in a text. */
export type Redactor = (text: string) => string;

/**
 * Build a redactor from `name → value` pairs. Longer values are replaced first (so a value that contains
 * another is not half-replaced); a multi-line value is also matched line by line, since logs arrive a line
 * at a time.
 *
 * @example redactor({ secret_key_base: 'abc123xyz' })('key=abc123xyz') // 'key=[redacted secret_key_base]'
 */
export function redactor(secrets: Readonly<Record<string, string>>): Redactor {
  const needles = new Map<string, string>();
  for (const [name, value] of Object.entries(secrets)) {
    if (value !== '' && !needles.has(value)) needles.set(value, name);
    if (!value.includes('\n')) continue;
    for (const line of value.split('\n').map((l) => l.trim())) {
      if (line.length >= MIN_LINE_LENGTH && !needles.has(line)) needles.set(line, name);
    }
  }
  const ordered = [...needles.entries()].sort(([a], [b]) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const [value, name] of ordered) {
      if (out.includes(value)) out = out.split(value).join(`[redacted ${name}]`);
    }
    return out;
  };
}
