/**
 * One CSV field (RFC 4180) that a spreadsheet shows as text and never runs as a formula.
 *
 * - null and undefined are the empty field; numbers, bigints and booleans are written as they print;
 *   objects (audit details, JSON columns) as their JSON text.
 * - Formula injection (OWASP "CSV Injection"): a text value starting with = + - @, a tab or a carriage
 *   return would be evaluated by Excel, LibreOffice or Google Sheets, so it is prefixed with a single
 *   quote. A text value that is a plain decimal number (e.g. "-12.5" read from a numeric column) is
 *   data, not a formula, and is left as it is.
 * - A field holding a double quote, comma, CR or LF is quoted, with inner quotes doubled.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The fields of one record joined by commas (no line ending: callers choose LF or CRLF). */
export function csvRow(values: readonly unknown[]): string {
  let s = values.length ? csvCell(values[0]) : '';
  for (let i = 1; i < values.length; i++) s += `,${csvCell(values[i])}`;
  return s;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i;
const NEEDS_QUOTES = /[",\r\n]/;
