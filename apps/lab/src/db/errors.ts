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
/** 53100 (`disk_full`): a file of the database could not grow because its disk is full. */
export const isDiskFull = (err: unknown): boolean => sqlState(err) === '53100';

/** Socket errors of a server that is down, restarting or unreachable. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** What node-postgres and its pool say when a connection ends, cannot be made, or cannot be had in time. */
const UNREACHABLE_MESSAGE =
  /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|Connection terminated due to connection timeout)/;

/** One error and its causes (drizzle wraps the driver's error; Node's AggregateError lists each attempt). */
function* causes(err: unknown): Generator<{ code?: unknown; message?: unknown }> {
  let e: unknown = err;
  for (let i = 0; e && typeof e === 'object' && i < 4; i++) {
    const current = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    yield current;
    if (Array.isArray(current.errors)) for (const inner of current.errors) yield* causes(inner);
    e = current.cause;
  }
}

/**
 * The database cannot be reached or is going away, so the request could not be served, through no
 * fault of its own: retry later. SQLSTATE class 08 (connection exception), 57P01 to 57P03 (the server
 * shuts down, crashed, or cannot accept connections yet), a refused or reset socket, a connection ended
 * under a query, or no pooled connection within the pool's time-out.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const state = sqlState(err);
  if (state) return state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03';
  for (const e of causes(err)) {
    if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && UNREACHABLE_MESSAGE.test(e.message)) return true;
  }
  return false;
}
