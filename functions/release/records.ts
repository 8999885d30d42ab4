import { refuse } from './errors';
import { headerText, shown } from './names';

// PAX extended headers, GNU long name/link records and the numeric header fields: how both validators read them
// (tarball.py has the twin).

// The same keys as tarball.py's PAX_KEYS: `hdrcharset` (names that are not UTF-8) and `charset` are refused.
const ALLOWED_PAX = new Set([
  ...['path', 'linkpath', 'size', 'mtime', 'atime', 'ctime', 'uid', 'gid', 'uname', 'gname', 'comment'],
]);
const GLOBAL_PAX = new Set(['mtime', 'atime', 'ctime', 'comment']);

/** The bytes of a NUL-terminated header field, up to its first NUL. */
export const cbytes = (field: Buffer) => {
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end);
};

/** PAX records of one 'x' (or global 'g') header; unknown keys, keys given twice and malformed records refused. */
export function parsePax(data: Buffer, global: boolean): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const digits = data.subarray(at, space).toString('ascii');
    const length = /^\d+$/.test(digits) ? Number.parseInt(digits, 10) : 0;
    if (
      space === -1 ||
      !Number.isSafeInteger(length) ||
      length <= 0 ||
      at + length > data.length ||
      data[at + length - 1] !== 0x0a
    ) {
      refuse('(archive)', 'malformed PAX header record');
    }
    const record = data.subarray(space + 1, at + length - 1);
    const eq = record.indexOf(0x3d);
    const key = record.subarray(0, eq === -1 ? record.length : eq).toString('utf8');
    if (eq === -1 || !(global ? GLOBAL_PAX : ALLOWED_PAX).has(key)) {
      const kind = global && ALLOWED_PAX.has(key) ? 'global PAX header sets' : 'unsupported PAX key';
      refuse('(archive)', `${kind} "${shown(key)}"`);
    }
    if (records.has(key)) refuse('(archive)', `PAX key "${key}" given twice for one entry`);
    records.set(key, record.subarray(eq + 1));
    at += length;
  }
  return records;
}

/** The one name (or link target) of an entry; GNU and PAX records must not both give it (readers differ). */
export function oneField(
  pax: Buffer | undefined,
  gnu: Buffer | undefined,
  ustar: string,
  what: 'name' | 'link target',
  entry?: string,
): string {
  if (pax !== undefined && gnu !== undefined) refuse(entry ?? ustar, `conflicting GNU and PAX records for the ${what}`);
  let value: string;
  if (gnu !== undefined) {
    const end = gnu.findLastIndex((byte) => byte !== 0);
    if (gnu.subarray(0, end + 1).includes(0)) refuse(entry ?? ustar, `NUL inside the GNU long ${what} record`);
    value = headerText(cbytes(gnu), what, entry);
  } else if (pax !== undefined) {
    value = headerText(pax, what, entry);
  } else {
    return ustar;
  }
  if (!value.startsWith(ustar))
    refuse(entry ?? value, `PAX/long ${what} disagrees with the ustar header field "${ustar}"`);
  return value;
}

const cstring = (b: Buffer, start: number, length: number) =>
  cbytes(b.subarray(start, start + length)).toString('utf8');

/** A numeric header field: octal text, or GNU base-256 (only positive values that fit a double). */
export function numeric(b: Buffer, start: number, length: number): number {
  const field = b.subarray(start, start + length);
  if ((field[0] ?? 0) & 0x80) {
    // base-256 (GNU): only positive values that fit a double are plausible in a release
    if (field[0] !== 0x80) refuse('(archive)', 'negative or huge base-256 number in a header');
    return field.subarray(1).reduce((n, byte) => n * 256 + byte, 0);
  }
  const text = cstring(b, start, length).trim();
  if (text !== '' && !/^[0-7]+$/.test(text)) refuse('(archive)', `header number "${text}" is not octal`);
  return text === '' ? 0 : Number.parseInt(text, 8);
}

/** The ustar header checksum: the sum of the block's bytes with the checksum field read as spaces. */
export function checksumValid(b: Buffer): boolean {
  let sum = 8 * 0x20;
  for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += b[i] ?? 0;
  return sum === numeric(b, 148, 8);
}
