// The data of an openapi-fetch call, or the problem it answered thrown as a ProblemError, so a
// query or mutation function is one line and a failure reaches QueryState or the form the same way.
import { failure, ProblemError } from '../api/client.ts';

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

export async function apiData<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (data === undefined) throw failure(error, response);
  return data;
}

/** The problem behind a failed query or mutation, for fieldError and ProblemAlert. */
export function problemOf(error: Error | null): ProblemError | null {
  if (error === null) return null;
  return error instanceof ProblemError ? error : new ProblemError({ title: error.message, status: 0 });
}
