// Completes each SynFinance operation's contract from the mechanisms that serve it, so no operation can
// forget them: the API key and rate limit (401, 429 and the security requirement, `security: []` on
// public routes), the admin key of model reload, request parsing and validation (400, 413, 415), the
// error handler (500) and a graceful shutdown (503 shutting-down). Errors a route raises itself (404, 409, 422, 503 ...) it declares with
// `problemResponses`.
import {
  addProblemResponses,
  type ProblemResponse,
  problemResponses,
  requestHandlingStatuses,
} from '@polymorph/http-problem/schema';
import type { RouteOptions } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without an API key and not rate-limited (health, readiness, metrics, docs). */
    public?: boolean;
    /** Also needs the admin key (header x-admin-key); answers 403 while none is configured. */
    adminKey?: boolean;
  }
}

/** The OpenAPI security schemes the routes refer to. */
export const SECURITY_SCHEMES = {
  apiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
    description: 'One of SYNFINANCE_API_KEYS; required only when the service is configured with keys',
  },
  adminKey: {
    type: 'apiKey',
    in: 'header',
    name: 'x-admin-key',
    description: 'SYNFINANCE_ADMIN_API_KEY, for model reload',
  },
} as const;

const STATUS_DESCRIPTIONS: Record<number, string> = {
  401: 'x-api-key is missing or not one of the configured keys',
  429: 'More than SYNFINANCE_RATE_LIMIT requests in the minute from this client (its verified key, or else its address; requests with a wrong key count too); wait the seconds in retry-after',
};

/** Every route can meet a graceful shutdown, also one that declares a 503 of its own. */
const SHUTTING_DOWN =
  'The server is shutting down (`shutting-down`) and closes the connection; retry after the seconds in retry-after, on another instance or once it is back';

const retryAfter = (description: string) => ({
  'retry-after': { type: 'integer', minimum: 0, description },
});

export function completeRouteContract(route: RouteOptions): void {
  const schema = route.schema ?? {};
  if (schema.hide) return;
  const statuses: (number | Record<number, string>)[] = [
    ...requestHandlingStatuses(route),
    { 503: SHUTTING_DOWN },
  ];
  const config = route.config ?? {};
  if (config.public === true) schema.security = [];
  else {
    statuses.push(STATUS_DESCRIPTIONS);
    schema.security = [config.adminKey ? { apiKey: [], adminKey: [] } : { apiKey: [] }];
  }
  const completed = problemResponses(...statuses);
  if (completed[429])
    Object.assign(completed[429], { headers: retryAfter('Seconds until the window resets') });
  Object.assign(completed[503]!, { headers: retryAfter('Seconds to wait before retrying') });
  addProblemResponses(schema, completed);
  withShutdown(schema.response, completed[503]!);
  route.schema = schema;
}

/** A route's own 503 (no model loaded, say) also describes the shutdown answer and its retry-after. */
function withShutdown(responses: unknown, shutdown: ProblemResponse): void {
  if (typeof responses !== 'object' || responses === null) return;
  const own: unknown = Reflect.get(responses, '503');
  if (own === shutdown || typeof own !== 'object' || own === null || !('description' in own)) return;
  if (typeof own.description !== 'string' || own.description.includes('`shutting-down`')) return;
  Reflect.set(responses, '503', { ...shutdown, ...own, description: `${own.description}. ${SHUTTING_DOWN}` });
}
