// What an error log line may carry. A failed query's parameters are the values a request sent (emails,
// names, free text), and PostgreSQL's `detail` repeats them ("Key (email)=(...) already exists"): they
// are dropped. The statement text, the SQLSTATE code and the constraint stay, which is what an operator
// needs to find the cause.

const PARAMS_IN_MESSAGE = /\nparams: [\s\S]*$/;
/** The fields of a database error that never hold a value the request sent. */
const SAFE_FIELDS = ['code', 'severity', 'constraint', 'table', 'column', 'schema', 'routine', 'statusCode'];
const MAX_CAUSES = 4;

export interface SerializedError {
  type: string;
  message: string;
  stack: string;
  /** The SQL text of a failed query, with its `$1` placeholders and without their values. */
  query?: string;
  cause?: SerializedError;
  [field: string]: unknown;
}

const redactMessage = (text: string) => text.replace(PARAMS_IN_MESSAGE, '\nparams: [redacted]');

/** A value-bearing PostgreSQL message ends in the value: `invalid input syntax for type uuid: "..."`. */
const redactQuotedValue = (text: string) => text.replace(/: ".*"$/s, ': "[redacted]"');

function serialize(err: Error, depth: number): SerializedError {
  const e = err as Error & Record<string, unknown>;
  const isDatabase = typeof e['code'] === 'string' && /^[0-9A-Z]{5}$/.test(e['code'] as string);
  const scrub = (text: string) => (isDatabase ? redactQuotedValue(redactMessage(text)) : redactMessage(text));
  const message = scrub(String(e.message));
  // The stack starts with the message: keep the frames, not the message's parameters.
  const stack = typeof e.stack === 'string' ? e.stack : '';
  const frames = stack.indexOf('\n    at ');
  const out: SerializedError = {
    type: e.constructor?.name || e.name,
    message,
    stack: `${e.name}: ${message}${frames >= 0 ? stack.slice(frames) : ''}`,
  };
  if (typeof e['query'] === 'string') out.query = e['query'];
  for (const field of SAFE_FIELDS)
    if (e[field] !== undefined && typeof e[field] !== 'object') out[field] = e[field];
  if (e.cause instanceof Error && depth < MAX_CAUSES) out.cause = serialize(e.cause, depth + 1);
  return out;
}

/**
 * The `err` serializer of both services' loggers (`logger: { serializers: { err: errorSerializer } }`),
 * in place of pino's, which copies every enumerable field: a query's `params`, a database error's
 * `detail`, `where` and `hint`.
 */
export function errorSerializer(err: Error): SerializedError {
  // pino hands over whatever was logged as `err`; only errors are reshaped.
  return err instanceof Error ? serialize(err, 0) : (err as unknown as SerializedError);
}

/** Logger options both apps share. */
export const logSerializers = { err: errorSerializer };
