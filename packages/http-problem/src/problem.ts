// RFC 9457 problem details: the one shape every HTTP error of both apps leaves in
// (docs/api/problems.md lists the types).
import type { FastifyReply, FastifyRequest } from 'fastify';

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

/** The type and title of a problem kind. */
export interface ProblemKind {
  slug: string;
  title: string;
}

/** The kind of problem each common error status stands for, when nothing more specific is known. */
export const STATUS_KINDS = {
  401: { slug: 'unauthorized', title: 'Unauthorized' },
  403: { slug: 'forbidden', title: 'Forbidden' },
  404: { slug: 'not-found', title: 'Not found' },
  409: { slug: 'conflict', title: 'Conflict' },
  413: { slug: 'body-too-large', title: 'Request body too large' },
  415: { slug: 'unsupported-media-type', title: 'Unsupported content type' },
  429: { slug: 'rate-limited', title: 'Too many requests' },
} as const satisfies Record<number, ProblemKind>;

/** The kind a status stands for, if it is one of STATUS_KINDS. */
export const kindOfStatus = (status: number): ProblemKind | undefined =>
  (STATUS_KINDS as Record<number, ProblemKind>)[status];

/** An HttpProblem of the kind its status stands for (STATUS_KINDS), with its own detail. */
export function statusProblem(status: keyof typeof STATUS_KINDS, detail: string): HttpProblem {
  const { slug, title } = STATUS_KINDS[status];
  return new HttpProblem(status, slug, title, detail);
}

/** The path without the query string: a query may carry what should not be echoed back. */
export const instanceOf = (request: FastifyRequest) => request.url.split('?')[0] ?? request.url;

export function sendProblem(request: FastifyRequest, reply: FastifyReply, p: ProblemInput) {
  const { slug, ...rest } = p;
  const body: Problem = { type: problemType(slug), instance: instanceOf(request), ...rest };
  return reply.code(p.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
}

/** The parts of an Ajv error that name the field. */
export interface AjvError {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `/items/0/name` + context `body` -> `body.items[0].name`; a missing or extra property is named too. */
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

/** A validation-error problem for field errors found by code rather than by the route schema. */
export function validationProblem(errors: FieldError[], title = 'Invalid request'): HttpProblem {
  return new HttpProblem(
    400,
    'validation-error',
    title,
    `${errors.length} field(s) failed validation: ${errors.map((e) => e.field).join(', ')}`,
    errors,
  );
}
