// RFC 9457 problem details: the one shape every HTTP error of both apps leaves in
// (docs/api/problems.md lists the types; catalogue.ts holds them as data).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ProblemSlug, problemTypeOf } from './catalogue.ts';

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

/** The request part a field error points into (Fastify's `querystring` is `query` here). */
export type FieldLocation = 'body' | 'query' | 'params' | 'headers';

export interface FieldError {
  /** `<part>.<path>`, e.g. `body.items[0].name`; `querystring` is the query part. */
  field: string;
  message: string;
  /** RFC 6901 JSON Pointer into the part named by `in`, e.g. `/items/0/name`. Filled from `field` when omitted. */
  pointer?: string;
  in?: FieldLocation;
  /** The accepted values, when only listed values are accepted (enum, union of literals). */
  allowed?: unknown[];
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

/**
 * Stable problem type per kind of failure; GET on it answers the type's page (pages.ts). Relative on
 * purpose: it resolves against the request URL, so it names this service whatever host it is reached by.
 */
export const problemType = (slug: string) => `/problems/${slug}`;

/** Thrown by services and routes; the error handler turns it into a problem response. */
export class HttpProblem extends Error {
  /** Sent as the `retry-after` header (503, 429): when a client may try again. */
  retryAfterSeconds: number | undefined;

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

/** An HttpProblem of a catalogued type: status and title come from the catalogue, so they cannot drift. */
export function catalogueProblem(
  slug: ProblemSlug,
  detail: string,
  more: { errors?: FieldError[]; extensions?: Record<string, unknown>; retryAfterSeconds?: number } = {},
): HttpProblem {
  const { status, title } = problemTypeOf(slug);
  const problem = new HttpProblem(status, slug, title, detail, more.errors, more.extensions);
  problem.retryAfterSeconds = more.retryAfterSeconds;
  return problem;
}

/** The type and title of a problem kind. */
export interface ProblemKind {
  slug: string;
  title: string;
}

const kind = (slug: ProblemSlug): ProblemKind => ({ slug, title: problemTypeOf(slug).title });

/** The kind of problem each common error status stands for, when nothing more specific is known. */
export const STATUS_KINDS = {
  401: kind('unauthorized'),
  403: kind('forbidden'),
  404: kind('not-found'),
  409: kind('conflict'),
  413: kind('body-too-large'),
  415: kind('unsupported-media-type'),
  429: kind('rate-limited'),
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
  if (p.errors) body.errors = p.errors.map(withPointer);
  return reply.code(p.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
}

// --- field names and JSON Pointers -------------------------------------------------------------

const LOCATIONS: Record<string, FieldLocation> = {
  body: 'body',
  querystring: 'query',
  query: 'query',
  params: 'params',
  headers: 'headers',
};

/** RFC 6901 escaping of one reference token. */
const escapeToken = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');
const unescapeToken = (token: string) => token.replaceAll('~1', '/').replaceAll('~0', '~');

/** `body.items[0].name` -> `{ in: 'body', pointer: '/items/0/name' }`; undefined if the part is unknown. */
export function pointerOfField(field: string): { in: FieldLocation; pointer: string } | undefined {
  const match = /^([a-z]+)((?:\.[^.[\]]+|\[\d+\])*)$/.exec(field);
  const location = match ? LOCATIONS[match[1]!] : undefined;
  if (!match || !location) return undefined;
  const tokens = [...match[2]!.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)].map((m) => m[1] ?? m[2]!);
  return { in: location, pointer: tokens.map((t) => `/${escapeToken(t)}`).join('') };
}

/** A field error with `in` and `pointer` filled from its `field` when it was built without them. */
function withPointer(e: FieldError): FieldError {
  if (e.pointer !== undefined) return e;
  const at = pointerOfField(e.field);
  return at ? { ...e, in: e.in ?? at.in, pointer: at.pointer } : e;
}

// --- Ajv errors to field errors ----------------------------------------------------------------

/** The parts of an Ajv error that name the field and the rule it broke. */
export interface AjvError {
  instancePath?: string;
  schemaPath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

type Choice = AjvError & { allowed?: unknown[] };

/** The values an error accepts, if it accepts only listed ones (const, enum, or the null branch of a union). */
function listedValues(e: Choice): unknown[] | undefined {
  if (e.allowed) return e.allowed;
  if (e.keyword === 'const') return [e.params?.['allowedValue']];
  if (e.keyword === 'enum' && Array.isArray(e.params?.['allowedValues'])) return e.params['allowedValues'];
  if (e.keyword === 'type' && e.params?.['type'] === 'null') return [null];
  return undefined;
}

/**
 * A union of literals fails as one `const` error per branch plus an `anyOf` error; each such group
 * becomes one error listing the allowed values. A branch may also carry the `type` error of its
 * literal (no coercion). Unions with any other kind of branch are left as Ajv reported them.
 */
function collapseChoices(validation: AjvError[]): Choice[] {
  let errors: Choice[] = [...validation];
  const unions = errors
    .filter((e) => (e.keyword === 'anyOf' || e.keyword === 'oneOf') && e.schemaPath)
    .sort((a, b) => b.schemaPath!.length - a.schemaPath!.length); // innermost first
  for (const union of unions) {
    const prefix = `${union.schemaPath}/`;
    const members = errors.filter((e) => e !== union && e.schemaPath?.startsWith(prefix));
    if (members.length === 0) continue;
    const branches = new Map<string, Choice[]>();
    for (const m of members) {
      const branch = m.schemaPath!.slice(prefix.length).split('/')[0]!;
      branches.set(branch, [...(branches.get(branch) ?? []), m]);
    }
    const allowed: unknown[] = [];
    let listable = true;
    for (const group of branches.values()) {
      const lists = group.map(listedValues);
      const others = group.filter(
        (m, i) => !lists[i] && !(m.keyword === 'type' && m.instancePath === union.instancePath),
      );
      if (others.length > 0 || lists.every((l) => !l)) listable = false;
      for (const l of lists)
        for (const v of l ?? []) if (!allowed.some((a) => Object.is(a, v))) allowed.push(v);
    }
    if (!listable) continue;
    const collapsed: Choice = { ...union, keyword: 'enum', params: { allowedValues: allowed }, allowed };
    errors = errors.filter((e) => !members.includes(e)).map((e) => (e === union ? collapsed : e));
  }
  return errors.map((e) => {
    const allowed = listedValues(e);
    return allowed && e.keyword !== 'type' ? { ...e, allowed } : e;
  });
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * Ajv errors -> field errors. `/items/0/name` + context `body` -> field `body.items[0].name`, in `body`,
 * pointer `/items/0/name`; a missing or extra property is named too; a value outside a list says
 * which values are allowed.
 */
export function fieldErrors(validation: AjvError[], context: string | undefined): FieldError[] {
  const part = context ?? 'body';
  const location = LOCATIONS[part] ?? 'body';
  return collapseChoices(validation).map((v) => {
    const tokens = (v.instancePath ?? '').split('/').slice(1).map(unescapeToken);
    const missing = v.params?.['missingProperty'];
    const extra = v.params?.['additionalProperty'];
    if (typeof missing === 'string') tokens.push(missing);
    if (typeof extra === 'string') tokens.push(extra);
    const path = tokens.map((t) => (/^\d+$/.test(t) ? `[${t}]` : `.${t}`)).join('');
    const message =
      typeof extra === 'string'
        ? 'is not an allowed property'
        : v.allowed
          ? `must be one of: ${v.allowed.map(show).join(', ')}`
          : (v.message ?? 'is invalid');
    return {
      field: `${part}${path}`,
      in: location,
      pointer: tokens.map((t) => `/${escapeToken(t)}`).join(''),
      message,
      ...(v.allowed ? { allowed: v.allowed } : {}),
    };
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
