import type { RouteOptions } from 'fastify';
import { Type } from 'typebox';

/** The problem+json body every error response shares: one component, referenced by every operation. */
export const PROBLEM_SCHEMA_ID = 'Problem';

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI of the problem type; GET it for a description' }),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String(),
    instance: Type.String({ description: 'The request path' }),
    errors: Type.Optional(
      Type.Array(
        Type.Object({ field: Type.String(), message: Type.String() }, { additionalProperties: true }),
      ),
    ),
  },
  {
    $id: PROBLEM_SCHEMA_ID,
    title: 'Problem',
    description: 'RFC 9457 problem details; some kinds add extension members',
    additionalProperties: true,
  },
);

const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: malformed JSON or a field that fails validation (each listed in `errors`)',
  401: 'Not signed in, or the access token is invalid or expired',
  403: 'Signed in without the permission this operation needs, or restricted until MFA enrolment or a password change',
  404: 'No such record, or it belongs to a lab the caller cannot see',
  409: 'The record is not in a state that allows this, or it already exists',
  413: 'The request body is larger than the limit',
  415: 'The request body has a content type this operation does not accept',
  422: 'The request is well-formed but the record it names cannot be used',
  423: 'The account is locked',
  429: 'Too many requests',
  500: 'Unexpected error; the body names the request id to quote',
  503: 'A dependency (the database, a store) is unavailable',
};

/** One error response per status, each a problem+json body (RFC 9457). */
export function problemResponses(...statuses: number[]): Record<number, ProblemResponse> {
  const responses: Record<number, ProblemResponse> = {};
  for (const status of statuses) {
    responses[status] = {
      description: STATUS_DESCRIPTIONS[status] ?? 'Problem',
      content: { 'application/problem+json': { schema: { $ref: `${PROBLEM_SCHEMA_ID}#` } } },
    };
  }
  return responses;
}

export interface ProblemResponse {
  description: string;
  content: { 'application/problem+json': { schema: { $ref: string } } };
}

/**
 * Completes a route's contract from the mechanisms that serve it, so no operation can forget them: the
 * access guard (public routes say `security: []`; the others can answer 401 and 403), request parsing
 * and validation (400, and 413/415 where a body is read) and the error handler (500). Errors a route
 * raises itself (404, 409 ...) it declares with `problemResponses`.
 */
export function completeRouteContract(route: RouteOptions): void {
  const schema = route.schema ?? {};
  if (schema.hide) return;
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const readsBody = methods.some((m) => m === 'POST' || m === 'PUT' || m === 'PATCH');
  const validates = readsBody || schema.querystring || schema.params || schema.headers;
  const statuses = [500];
  if (validates) statuses.push(400);
  if (readsBody) statuses.push(413, 415);
  const config = route.config ?? {};
  if (config.public === true) schema.security = [];
  else statuses.push(401, 403);
  const declared = (schema.response ?? {}) as Record<string, unknown>;
  schema.response = {
    ...problemResponses(...statuses.filter((s) => declared[s] === undefined)),
    ...declared,
  };
  route.schema = schema;
}
