// One error mechanism for a Fastify app: every failure leaves as problem+json, never a stack trace.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type AjvError,
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

const FRAMEWORK_ERRORS: Record<string, Kind> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, slug: 'malformed-json', title: 'Malformed JSON body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, slug: 'malformed-json', title: 'Empty JSON body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, ...STATUS_KINDS[413] },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, ...STATUS_KINDS[415] },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, slug: 'bad-request', title: 'Invalid content length' },
};

const sendHttpProblem = (request: FastifyRequest, reply: FastifyReply, p: HttpProblem) =>
  sendProblem(request, reply, {
    slug: p.slug,
    title: p.title,
    status: p.status,
    detail: p.message,
    ...(p.errors ? { errors: p.errors } : {}),
    ...p.extensions,
  });

/** HttpProblem, schema validation (every bad field), framework errors, other 4xx, and 500 without internals. */
export function problemErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpProblem) return sendHttpProblem(request, reply, error);
  if (error.validation) {
    const errors = fieldErrors(error.validation as AjvError[], error.validationContext);
    return sendHttpProblem(request, reply, validationProblem(errors));
  }
  const known = error.code ? FRAMEWORK_ERRORS[error.code] : undefined;
  if (known) {
    const detail =
      known.status === 415
        ? `Content-Type "${String(request.headers['content-type'] ?? '').slice(0, 100)}" is not supported; send application/json`
        : error.message;
    return sendProblem(request, reply, { ...known, detail });
  }
  const status =
    error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500) {
    request.log.error({ err: error }, 'unhandled error');
    // A 500 never echoes internals; the request id ties it to the log line.
    return sendProblem(request, reply, {
      slug: 'internal-error',
      title: 'Internal server error',
      status,
      detail: `Unexpected error; quote request id ${request.id} to support`,
    });
  }
  // Other 4xx errors thrown by plugins (for example a rate limiter's 429) keep their status and get
  // the type of that status.
  const kind = kindOfStatus(status) ?? { slug: 'bad-request', title: 'Bad request' };
  return sendProblem(request, reply, { ...kind, status, detail: error.message });
}

function problemNotFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(request, reply, {
    ...STATUS_KINDS[404],
    status: 404,
    detail: `No route ${request.method} ${instanceOf(request)}`,
  });
}

/** Installs both handlers on the root instance; call it before registering routes and plugins. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler(problemErrorHandler);
  app.setNotFoundHandler(problemNotFoundHandler);
}
