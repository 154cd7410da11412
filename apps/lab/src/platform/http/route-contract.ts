import {
  addProblemResponses,
  type ProblemResponse,
  requestHandlingStatuses,
  problemResponses as sharedProblemResponses,
} from '@polymorph/http-problem/schema';
import type { RouteOptions } from 'fastify';

// What each status means in the lab, where it says more than the shared wording.
const LAB_DESCRIPTIONS: Readonly<Record<number, string>> = {
  401: 'Not signed in, or the access token is invalid or expired',
  403: 'Signed in without the permission this operation needs, or restricted until MFA enrolment or a password change',
  404: 'No such record, or it belongs to a lab the caller cannot see',
  503: 'The server is shutting down (`shutting-down`) or the database is unreachable (`database-unavailable`); retry after `retry-after` seconds',
  507: 'The disk holding the database or the certificates is full (`storage-full`); nothing was recorded, retry once space is freed',
};

/** Error responses (application/problem+json, the shared Problem schema) in the lab's wording. */
export function problemResponses(...statuses: number[]): Record<number, ProblemResponse> {
  return sharedProblemResponses(
    ...statuses.map((status) => {
      const description = LAB_DESCRIPTIONS[status];
      return description ? { [status]: description } : status;
    }),
  );
}

/**
 * Completes a route's contract from the mechanisms that serve it, so no operation can forget them: the
 * access guard (public routes say `security: []`; the others can answer 401 and 403), request parsing
 * and validation (400, and 413/415 where a body is read), the error handler (500), the shutdown and
 * database-outage answers (503) and a full disk (507). Errors a route raises itself (404, 409 ...) it declares with
 * `problemResponses`.
 */
export function completeRouteContract(route: RouteOptions): void {
  const schema = route.schema ?? {};
  if (schema.hide) return;
  // 503: every route can meet a shutdown, and nearly every one a database that is down. 507: a full
  // disk refuses any write, and the lab writes on reads too (sessions, audited consequences).
  const statuses = [...requestHandlingStatuses(route), 503, 507];
  if (route.config?.public === true) schema.security = [];
  else statuses.push(401, 403);
  addProblemResponses(schema, problemResponses(...statuses));
  route.schema = schema;
}
