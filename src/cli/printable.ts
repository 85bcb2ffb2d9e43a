/**
 * Makes a stored value safe to print in an operator's terminal: control and
 * invisible formatting characters (escape sequences, direction marks) are
 * shown as \u{...} instead of acting on the terminal.
 */
export function printable(value: string | null | undefined): string {
  if (value === null || value === undefined) return '-';
  return value.replace(/[\p{Cc}\p{Cf}]/gu, (c) => `\\u{${c.codePointAt(0)?.toString(16)}}`);
}
