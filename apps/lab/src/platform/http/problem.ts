import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** RFC 9457 problem details, with `errors[]` naming each bad field on validation failures. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemInput {
  slug: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Stable problem type per kind of failure; documented in docs/api/problems.md. */
export const problemType = (slug: string) => `/problems/${slug}`;

/** Thrown by services and routes; the error handler turns it into a problem response. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail: string,
    readonly errors?: FieldError[],
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, p: ProblemInput) {
  const { slug, ...rest } = p;
  const body: Problem = { type: problemType(slug), instance: request.url, ...rest };
  return reply.code(p.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
}

interface AjvError {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `/items/0/name` + context `body` -> `body.items[0].name`. */
export function fieldErrors(validation: AjvError[], context: string | undefined): FieldError[] {
  return validation.map((v) => {
    const parts = (v.instancePath ?? '').split('/').filter(Boolean);
    const missing = v.params?.['missingProperty'];
    const extra = v.params?.['additionalProperty'];
    if (typeof missing === 'string') parts.push(missing);
    if (typeof extra === 'string') parts.push(extra);
    const path = parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('');
    const field = `${context ?? 'body'}${path}`;
    const message = typeof extra === 'string' ? 'is not an allowed property' : (v.message ?? 'is invalid');
    return { field, message };
  });
}

const FRAMEWORK_ERRORS: Record<string, { status: number; slug: string; title: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, slug: 'malformed-json', title: 'Malformed JSON body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, slug: 'malformed-json', title: 'Empty JSON body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, slug: 'body-too-large', title: 'Request body too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    slug: 'unsupported-media-type',
    title: 'Unsupported content type',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, slug: 'bad-request', title: 'Invalid content length' },
};

/** One error mechanism for the whole app: every failure leaves as problem+json, never a stack trace. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpProblem) {
      return sendProblem(request, reply, {
        slug: error.slug,
        title: error.title,
        status: error.status,
        detail: error.message,
        ...(error.errors ? { errors: error.errors } : {}),
        ...error.extensions,
      });
    }
    if (error.validation) {
      const errors = fieldErrors(error.validation as AjvError[], error.validationContext);
      return sendProblem(request, reply, {
        slug: 'validation-error',
        title: 'Invalid request',
        status: 400,
        detail: `${errors.length} field(s) failed validation: ${errors.map((e) => e.field).join(', ')}`,
        errors,
      });
    }
    const known = error.code ? FRAMEWORK_ERRORS[error.code] : undefined;
    if (known) {
      const detail =
        known.status === 415
          ? `Content-Type "${request.headers['content-type'] ?? ''}" is not supported; send application/json`
          : error.message;
      return sendProblem(request, reply, { ...known, detail });
    }
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'unhandled error');
    return sendProblem(request, reply, {
      slug: status === 500 ? 'internal-error' : 'bad-request',
      title: status === 500 ? 'Internal server error' : 'Bad request',
      status,
      // A 500 never echoes internals; the request id in the header ties it to the log line.
      detail: status === 500 ? `Unexpected error; quote request id ${request.id} to support` : error.message,
    });
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, {
      slug: 'not-found',
      title: 'Not found',
      status: 404,
      detail: `No route ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
}
