import { BundleInputError } from './errors';

/** Quote a value for bash (`'…'`, single quotes escaped): safe to `source`, whatever the value holds. */
export function bashQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A bash array literal of quoted values: `( 'a' 'b c' )`. */
export function bashArray(values: readonly string[]): string {
  return `(${values.map(bashQuote).join(' ')})`;
}

/**
 * Quote one `KEY=value` assignment for a systemd `Environment=` setting: double quotes with `\\` and `"`
 * escaped. In a unit file (`target: 'unit'`) `%` is doubled because systemd expands specifiers there; `systemd-run
 * -p Environment=` expands none (a real host's migration saw `%%` arrive as `%%`), so there it stays as is.
 * Control characters cannot be expressed on one unit line, so they are refused.
 */
export function systemdEnvironment(key: string, value: string, target: 'unit' | 'systemd-run' = 'unit'): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new BundleInputError(
      `environment value of ${key} contains a control character (newline, tab, …) — systemd cannot carry it in Environment=; remove it from env.${key}`,
      { key },
    );
  }
  const escaped = `${key}=${value}`.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
  return `"${target === 'unit' ? escaped.replaceAll('%', '%%') : escaped}"`;
}
