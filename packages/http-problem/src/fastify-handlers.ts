// One error mechanism for a Fastify app: every failure leaves as problem+json, never a stack trace.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ProblemSlug, problemTypeOf } from './catalogue.ts';
import { refuseUnstorableInput } from './input-guard.ts';
import {
  type AjvError,
  catalogueProblem,
  fieldErrors,
  HttpProblem,
  instanceOf,
  kindOfStatus,
  type ProblemKind,
  STATUS_KINDS,
  sendProblem,
  validationProblem,
} from './problem.ts';

type Kind = ProblemKind & { status: number };

const catalogued = (slug: ProblemSlug): Kind => {
  const { status, title } = problemTypeOf(slug);
  return { slug, status, title };
};

const FRAMEWORK_ERRORS: Record<string, Kind> = {
  FST_ERR_CTP_INVALID_JSON_BODY: catalogued('malformed-json'),
  FST_ERR_CTP_EMPTY_JSON_BODY: catalogued('malformed-json'),
  FST_ERR_CTP_BODY_TOO_LARGE: catalogued('body-too-large'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: catalogued('unsupported-media-type'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: catalogued('bad-request'),
};

function sendHttpProblem(request: FastifyRequest, reply: FastifyReply, p: HttpProblem) {
  if (p.retryAfterSeconds !== undefined) reply.header('retry-after', String(p.retryAfterSeconds));
  return sendProblem(request, reply, {
    slug: p.slug,
    title: p.title,
    status: p.status,
    detail: p.message,
    ...(p.errors ? { errors: p.errors } : {}),
    ...p.extensions,
  });
}

/** `Application/JSON; charset=utf-8` -> `application/json`; '' when there is no Content-Type. */
const mediaTypeOf = (request: FastifyRequest) =>
  String(request.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();

/** The media types a route accepts: its OpenAPI `consumes`, else JSON. */
function accepted(request: FastifyRequest): string[] {
  const consumes = (request.routeOptions.schema as { consumes?: unknown } | undefined)?.consumes;
  return Array.isArray(consumes) && consumes.length > 0
    ? consumes.map((c) => String(c).toLowerCase())
    : ['application/json'];
}

function unsupportedMediaType(request: FastifyRequest): HttpProblem {
  const sent = String(request.headers['content-type'] ?? '').slice(0, 100);
  const send = accepted(request).join(' or ');
  const detail = sent
    ? `Content-Type "${sent}" is not supported; send ${send}`
    : `No Content-Type; send ${send}`;
  const { status, slug, title } = catalogued('unsupported-media-type');
  return new HttpProblem(status, slug, title, detail);
}

/**
 * A body the route cannot take because of its content type, rather than its content: Fastify parses
 * `text/plain` (and a plugin may parse more) for every route, and a JSON route then fails schema
 * validation with a 400 that blames the body.
 */
const wrongContentType = (request: FastifyRequest, error: FastifyError) =>
  error.validationContext === 'body' &&
  request.headers['content-type'] !== undefined &&
  !accepted(request).includes(mediaTypeOf(request));

/** HttpProblem, schema validation (every bad field), framework errors, other 4xx, and 500 without internals. */
export function problemErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpProblem) return sendHttpProblem(request, reply, error);
  if (error.validation) {
    if (wrongContentType(request, error))
      return sendHttpProblem(request, reply, unsupportedMediaType(request));
    const errors = fieldErrors(error.validation as AjvError[], error.validationContext);
    return sendHttpProblem(request, reply, validationProblem(errors));
  }
  const known = error.code ? FRAMEWORK_ERRORS[error.code] : undefined;
  if (known) {
    if (known.status === 415) return sendHttpProblem(request, reply, unsupportedMediaType(request));
    return sendProblem(request, reply, { ...known, detail: error.message });
  }
  const status =
    error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500) {
    request.log.error({ err: error }, 'unhandled error');
    // A 500 never echoes internals; the request id ties it to the log line.
    return sendProblem(request, reply, {
      slug: 'internal-error',
      title: problemTypeOf('internal-error').title,
      status,
      detail: `Unexpected error; quote request id ${request.id} to support`,
    });
  }
  // Other 4xx errors thrown by plugins (for example a rate limiter's 429) keep their status and get
  // the type of that status.
  const kind = kindOfStatus(status) ?? { slug: 'bad-request', title: problemTypeOf('bad-request').title };
  return sendProblem(request, reply, { ...kind, status, detail: error.message });
}

// What the router refuses before any route runs, in words that do not echo the (possibly huge) path.
const ROUTER_ERRORS: Record<string, { slug: ProblemSlug; detail: string }> = {
  FST_ERR_BAD_URL: {
    slug: 'bad-request',
    detail: 'The path has a malformed percent-encoding (a "%" must be followed by two hexadecimal digits)',
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    slug: 'uri-too-long',
    detail: 'A path parameter is longer than 100 characters',
  },
};

/**
 * Fastify's `frameworkErrors` option (pass it to `Fastify()`): the router's own refusals leave as
 * problem+json like every other error, instead of Fastify's JSON.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const known = error.code ? ROUTER_ERRORS[error.code] : undefined;
  if (!known) return problemErrorHandler(error, request, reply);
  const { status, title } = problemTypeOf(known.slug);
  return sendProblem(request, reply, { slug: known.slug, title, status, detail: known.detail });
}

function problemNotFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(request, reply, {
    ...STATUS_KINDS[404],
    status: 404,
    detail: `No route ${request.method} ${instanceOf(request)}`,
  });
}

/**
 * A route that declares `schema.consumes` takes only those media types. Runs after the onRequest hooks
 * (authentication first) and before the handler, so an upload route given JSON is a 415.
 */
async function enforceConsumes(request: FastifyRequest) {
  const consumes = (request.routeOptions.schema as { consumes?: unknown } | undefined)?.consumes;
  if (!Array.isArray(consumes) || request.headers['content-type'] === undefined) return;
  if (!accepted(request).includes(mediaTypeOf(request))) throw unsupportedMediaType(request);
}

export interface ProblemHandlerOptions {
  /**
   * Turns an error of the app's own into a problem before the generic rules apply; undefined leaves it
   * to them. The lab says here that a lost database is a 503 `database-unavailable`, not a 500.
   */
  translate?: (error: unknown) => HttpProblem | undefined;
}

/** How long a client is told to wait before retrying on a server that is shutting down. */
const SHUTDOWN_RETRY_AFTER_S = 5;

/**
 * While the server closes, a request that arrives on a connection still open is refused with a
 * `shutting-down` problem (instead of Fastify's own 503 body, which has no type), and its connection is
 * closed. Requests already being handled finish. Needs `return503OnClosing: false` on the instance.
 */
function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close');
    const problem = catalogueProblem(
      'shutting-down',
      'The server is shutting down; retry on another instance',
    );
    problem.retryAfterSeconds = SHUTDOWN_RETRY_AFTER_S;
    return sendHttpProblem(request, reply, problem);
  });
}

/**
 * Installs both handlers on the root instance, the `shutting-down` answer while it closes, and the
 * checks every route shares (content type, then values no route can store: input-guard.ts); call it
 * before registering routes and plugins.
 */
export function registerProblemHandlers(app: FastifyInstance, options: ProblemHandlerOptions = {}): void {
  const { translate } = options;
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const translated = translate?.(error);
    if (translated) {
      request.log.warn({ err: error }, `request failed: ${translated.slug}`);
      return sendHttpProblem(request, reply, translated);
    }
    return problemErrorHandler(error, request, reply);
  });
  refuseWhileClosing(app);
  app.setNotFoundHandler(problemNotFoundHandler);
  app.addHook('preValidation', enforceConsumes);
  app.addHook('preValidation', refuseUnstorableInput);
}
