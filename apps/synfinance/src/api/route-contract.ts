// Completes each SynFinance operation's contract from the mechanisms that serve it, so no operation can
// forget them: the API key and rate limit (401, 429 and the security requirement, `security: []` on
// public routes), the admin key of model reload, request parsing and validation (400, 413, 415) and
// the error handler (500). Errors a route raises itself (404, 409, 422, 503 ...) it declares with
// `problemResponses`.
import {
  addProblemResponses,
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

const RETRY_AFTER = {
  'retry-after': { type: 'integer', minimum: 0, description: 'Seconds until the window resets' },
};

export function completeRouteContract(route: RouteOptions): void {
  const schema = route.schema ?? {};
  if (schema.hide) return;
  const statuses: (number | Record<number, string>)[] = requestHandlingStatuses(route);
  const config = route.config ?? {};
  if (config.public === true) schema.security = [];
  else {
    statuses.push(STATUS_DESCRIPTIONS);
    schema.security = [config.adminKey ? { apiKey: [], adminKey: [] } : { apiKey: [] }];
  }
  const completed = problemResponses(...statuses);
  if (completed[429]) Object.assign(completed[429], { headers: RETRY_AFTER });
  addProblemResponses(schema, completed);
  route.schema = schema;
}
