/** The SQLSTATE of a PostgreSQL error, from node-postgres or PGlite, possibly wrapped by drizzle. */
function sqlState(err: unknown): string | undefined {
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let i = 0; e && i < 4; i++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/** 23505: a unique constraint refused the row. */
export const isUniqueViolation = (err: unknown): boolean => sqlState(err) === '23505';

/** 22003: a value (often a sum the database computed) does not fit its numeric column. */
export const isNumericOverflow = (err: unknown): boolean => sqlState(err) === '22003';
