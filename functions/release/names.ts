import { refuse } from './errors';

/** C0 and C1 control characters and DEL: no release has them in a name, and they break one-line logs. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/** A name as refusals print it: control characters as `\xHH`, so a refusal stays one line (as tarball.py does). */
export const shown = (name: string) =>
  name.replace(CONTROLS, (c) => `\\x${(c.codePointAt(0) ?? 0).toString(16).padStart(2, '0')}`);

/**
 * A name or link target from raw header bytes: strict UTF-8, no control character (NUL included: GNU tar cuts
 * there, other readers do not), no backslash. `entry` names the refused entry when the bytes are a link target.
 */
export function headerText(raw: Buffer, what: 'name' | 'link target', entry?: string): string {
  let value: string;
  try {
    value = utf8.decode(raw);
  } catch {
    return refuse(entry ?? lenient.decode(raw), `${what} is not valid UTF-8`);
  }
  const control = CONTROL.exec(value);
  if (control) {
    const code = (control[0].codePointAt(0) ?? 0).toString(16).padStart(2, '0');
    refuse(shown(entry ?? value), `control character \\x${code} in the ${what}`);
  }
  if (value.includes('\\')) refuse(entry ?? value, `backslash in the ${what}`);
  return value;
}

/** The key two names collide on (case-insensitive or normalizing file systems): NFC, upper, lower — ß ≡ ss. */
export const fold = (path: string) => path.normalize('NFC').toUpperCase().toLowerCase();
