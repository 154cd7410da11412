// The lab's problem+json errors are the shared mechanism of @polymorph/http-problem (docs/api/problems.md);
// this module keeps the import path the lab's modules use, so there is one implementation for both apps.

import { catalogueProblem, type HttpProblem } from '@polymorph/http-problem/problem';
import { isDatabaseUnavailable, isDiskFull } from '../../db/errors.ts';

export { frameworkErrorHandler, registerProblemHandlers } from '@polymorph/http-problem/fastify-handlers';
export {
  catalogueProblem,
  type FieldError,
  HttpProblem,
  sendProblem,
  validationProblem,
} from '@polymorph/http-problem/problem';

/** Seconds a client is told to wait when the database is unreachable: about a PostgreSQL restart. */
export const DATABASE_RETRY_AFTER_S = 5;

/** A lost or unreachable database answers 503 `database-unavailable`, so clients retry instead of reporting a bug. */
export function databaseUnavailableProblem(error: unknown): HttpProblem | undefined {
  if (!isDatabaseUnavailable(error)) return undefined;
  return catalogueProblem('database-unavailable', 'The database is unreachable or restarting; retry later', {
    retryAfterSeconds: DATABASE_RETRY_AFTER_S,
  });
}

/** Filesystem errors that mean there is no room left: the disk is full, or the user's quota is spent. */
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

/**
 * What the request had to store did not fit, a certificate file or the database's own files: 507
 * `storage-full`, so that clients and operators see a full disk rather than a bug. The detail never
 * names a path.
 */
export function storageFullProblem(error: unknown): HttpProblem | undefined {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  if (!isDiskFull(error) && (typeof code !== 'string' || !NO_SPACE.has(code))) return undefined;
  return catalogueProblem(
    'storage-full',
    'No space is left to store the request; nothing was recorded. Retry once space has been freed',
  );
}
