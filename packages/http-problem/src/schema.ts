// The problem body as one shared JSON Schema, for the OpenAPI documents and for Fastify's response
// serializer, and the response entries that reference it.
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { Type } from 'typebox';

/** `$id` of the shared schema; `app.addSchema` makes it `#/components/schemas/Problem` in OpenAPI. */
export const PROBLEM_SCHEMA_ID = 'Problem';

export const FieldErrorSchema = Type.Object(
  {
    field: Type.String({
      description: 'The bad field as `<part>.<path>`; part is body, querystring, params or headers',
      examples: ['body.items[0].name'],
    }),
    pointer: Type.Optional(
      Type.String({
        description: 'RFC 6901 JSON Pointer to the field inside the part named by `in`',
        examples: ['/items/0/name'],
      }),
    ),
    in: Type.Optional(
      Type.Union([
        Type.Literal('body'),
        Type.Literal('query'),
        Type.Literal('params'),
        Type.Literal('headers'),
      ]),
    ),
    message: Type.String({ examples: ['must NOT have fewer than 1 characters'] }),
    allowed: Type.Optional(
      Type.Array(Type.Unknown(), {
        description: 'The accepted values, when only listed values are accepted',
      }),
    ),
  },
  { additionalProperties: true },
);

export const ProblemSchema = Type.Object(
  {
    type: Type.String({
      format: 'uri-reference',
      description:
        'Identifies the kind of problem; relative to the request URL, and GET on it answers a page describing it',
      examples: ['/problems/validation-error'],
    }),
    title: Type.String({ description: 'Short summary of the problem type; the same for every occurrence' }),
    status: Type.Integer({ minimum: 400, maximum: 599, description: 'The HTTP status code' }),
    detail: Type.String({ description: 'What went wrong this time, for a human' }),
    instance: Type.String({ description: 'The request path, without the query string' }),
    errors: Type.Optional(
      Type.Array(FieldErrorSchema, { description: 'Each bad field, on validation failures' }),
    ),
  },
  {
    $id: PROBLEM_SCHEMA_ID,
    title: 'Problem',
    description:
      'RFC 9457 problem details (application/problem+json). Some types add extension members, such as `first_invalid_seq` on audit-chain-invalid; clients branch on `type`.',
    additionalProperties: true,
    examples: [
      {
        type: '/problems/validation-error',
        title: 'Invalid request',
        status: 400,
        detail: '1 field(s) failed validation: body.status',
        instance: '/api/samples/S-1',
        errors: [
          {
            field: 'body.status',
            in: 'body',
            pointer: '/status',
            message: 'must be one of: active, quarantined',
            allowed: ['active', 'quarantined'],
          },
        ],
      },
    ],
  },
);

/** What each status means for these services, as the response description. */
const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: a field fails its schema (errors[] lists each), or the body is malformed',
  401: 'Not authenticated',
  403: 'Authenticated but not allowed',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'Body too large',
  414: 'A path parameter is too long',
  415: 'Unsupported content type',
  422: 'Unprocessable content',
  423: 'Locked',
  429: 'Too many requests; see retry-after',
  500: 'Unexpected error',
  503: 'A dependency is unavailable',
};

export interface ProblemResponse {
  description: string;
  content: { 'application/problem+json': { schema: { $ref: `${typeof PROBLEM_SCHEMA_ID}#` } } };
}

/** A status with its own description: `{ 409: 'The container is full' }`. */
export type ProblemStatusSpec = number | Readonly<Record<number, string>>;

/**
 * Fastify `schema.response` entries for error statuses, each an application/problem+json body that
 * references the shared Problem schema: `response: { 200: Ok, ...problemResponses(400, 404) }`.
 * Needs `registerProblemSchema(app)`.
 */
export function problemResponses(...specs: ProblemStatusSpec[]): Record<number, ProblemResponse> {
  const out: Record<number, ProblemResponse> = {};
  const add = (status: number, description?: string) => {
    out[status] = {
      description: description ?? STATUS_DESCRIPTIONS[status] ?? `Problem (HTTP ${status})`,
      content: { 'application/problem+json': { schema: { $ref: `${PROBLEM_SCHEMA_ID}#` } } },
    };
  };
  for (const spec of specs) {
    if (typeof spec === 'number') add(spec);
    else for (const [status, description] of Object.entries(spec)) add(Number(status), description);
  }
  return out;
}

/** Adds the Problem schema to the app (once); call it on the root instance before the routes. */
export function registerProblemSchema(app: FastifyInstance): void {
  if (!app.getSchema(PROBLEM_SCHEMA_ID)) app.addSchema(ProblemSchema);
}

/** A component name OpenAPI accepts (`^[a-zA-Z0-9._-]+$`). */
const componentName = (id: string) => id.replace(/#.*$/, '').replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * `@fastify/swagger`'s `refResolver` option: shared schemas become components named by their `$id`
 * (`#/components/schemas/Problem`) instead of the default `def-0`, `def-1`, ...
 */
export const componentRefResolver = {
  buildLocalReference(
    json: { $id?: unknown; title?: unknown },
    _baseUri: unknown,
    _fragment: string,
    i: number,
  ) {
    if (typeof json.$id !== 'string' || !json.$id) return `def-${i}`;
    if (!json.title) json.title = json.$id;
    return componentName(json.$id);
  },
};

/** Methods whose body Fastify parses whether or not the route uses one (a DELETE with a form body is a 415). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The error statuses request handling itself can answer on this route, whatever the route does: 500
 * always; 400 where anything is parsed or validated (a malformed percent-encoding in a path parameter
 * too); 414 where a path parameter can exceed the router's limit; 413 and 415 where the method carries a
 * body. Each app's route-contract hook adds its access statuses to these.
 */
export function requestHandlingStatuses(route: RouteOptions): number[] {
  const schema = route.schema ?? {};
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const readsBody = methods.some((m) => BODY_METHODS.has(m));
  const hasPathParams = schema.params !== undefined || route.url.includes(':');
  const statuses = [500];
  if (readsBody || schema.querystring || hasPathParams || schema.headers) statuses.push(400);
  if (hasPathParams) statuses.push(414);
  if (readsBody) statuses.push(413, 415);
  return statuses;
}

/** Adds these problem responses to the schema; a status the route declares itself keeps its own entry. */
export function addProblemResponses(schema: FastifySchema, responses: Record<number, ProblemResponse>): void {
  const declared = (schema.response ?? {}) as Record<string, unknown>;
  const added: Record<number, ProblemResponse> = {};
  for (const [status, response] of Object.entries(responses))
    if (declared[status] === undefined) added[Number(status)] = response;
  schema.response = { ...added, ...declared };
}
