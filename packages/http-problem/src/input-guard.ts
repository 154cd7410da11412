// What no route of either service can store, refused once for every route before schema validation:
// a NUL character (PostgreSQL refuses U+0000 in text and jsonb, and C-string tools truncate at it) and
// JSON nested deeper than MAX_JSON_DEPTH (recursive serialisers, canonical JSON and PostgreSQL's jsonb
// parser overflow their stacks on it).
import type { FastifyRequest } from 'fastify';
import { type FieldError, type FieldLocation, validationProblem } from './problem.ts';

/** Objects and arrays nested in one another, counting the body itself: `{"a":{"b":[1]}}` is 3. */
export const MAX_JSON_DEPTH = 32;
/** A body full of bad values is named by its first errors, not echoed back whole. */
const MAX_REPORTED = 20;

const escapeToken = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');

interface Frame {
  value: unknown;
  token: string | number | undefined;
  parent: Frame | undefined;
  depth: number;
}

const pointerOf = (frame: Frame | undefined): string => {
  const tokens: string[] = [];
  for (let f = frame; f?.token !== undefined; f = f.parent) tokens.push(`/${escapeToken(String(f.token))}`);
  return tokens.reverse().join('');
};

/**
 * Only what a parser builds: plain objects and arrays, never a Buffer or a stream. The query-string
 * parser builds objects on an empty prototype that itself has none.
 */
const isPlainObject = (v: object) => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null || Object.getPrototypeOf(proto) === null;
};

const fieldOf = (part: FieldLocation, pointer: string) =>
  `${part}${pointer
    .split('/')
    .slice(1)
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((t) => (/^\d+$/.test(t) ? `[${t}]` : `.${t}`))
    .join('')}`;

const isContainer = (v: unknown): v is object =>
  v !== null && typeof v === 'object' && (Array.isArray(v) || isPlainObject(v));

// A UTF-16 surrogate without its pair is not a Unicode character: no database column or canonical
// form (RFC 8785, behind the audit hash) can hold it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why this text cannot be stored, or null. */
function unstorableText(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'must not contain an unpaired surrogate (not valid Unicode)';
  return null;
}

/**
 * Every NUL character or unpaired surrogate (in a value or a key) and the first place nesting goes deeper than
 * MAX_JSON_DEPTH, as field errors. Iterative, so the depth of the input cannot overflow this check;
 * only containers get a frame, so a large flat body costs one pass over its strings.
 */
export function unstorableFields(value: unknown, part: FieldLocation): FieldError[] {
  const errors: FieldError[] = [];
  const report = (pointer: string, message: string) => {
    if (errors.length < MAX_REPORTED)
      errors.push({ field: fieldOf(part, pointer), in: part, pointer, message });
  };
  const bad = (at: Frame | undefined, token: string | number, why: string, what = '') =>
    report(pointerOf({ value: undefined, token, parent: at, depth: 0 }), `${why}${what}`);
  if (typeof value === 'string') {
    const why = unstorableText(value);
    if (why) report('', why);
    return errors;
  }
  if (!isContainer(value)) return errors;
  const stack: Frame[] = [{ value, token: undefined, parent: undefined, depth: 1 }];
  let tooDeep = false;
  const visit = (frame: Frame, token: string | number, item: unknown) => {
    if (typeof item === 'string') {
      const why = unstorableText(item);
      if (why) bad(frame, token, why);
    } else if (isContainer(item)) {
      if (frame.depth < MAX_JSON_DEPTH)
        stack.push({ value: item, token, parent: frame, depth: frame.depth + 1 });
      else if (!tooDeep) {
        tooDeep = true;
        report(
          pointerOf({ value: item, token, parent: frame, depth: 0 }),
          `must not nest objects and arrays more than ${MAX_JSON_DEPTH} deep`,
        );
      }
    }
  };
  while (stack.length > 0 && errors.length < MAX_REPORTED) {
    const frame = stack.pop()!;
    const v = frame.value as Record<string, unknown> | unknown[];
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) visit(frame, i, v[i]);
    } else {
      for (const key of Object.keys(v)) {
        const why = unstorableText(key);
        if (why) bad(frame, key, why, ' in its name');
        else visit(frame, key, v[key]);
      }
    }
  }
  return errors;
}

/**
 * preValidation hook: a 400 naming each field of the query string, path or body that holds a NUL
 * character or nests too deep. Runs after authentication, so it answers only callers who may ask.
 */
export async function refuseUnstorableInput(request: FastifyRequest): Promise<void> {
  // Only the parts the route validates: those are the parts it reads and documents a 400 for.
  const schema = (request.routeOptions.schema ?? {}) as Record<string, unknown>;
  const errors = [
    ...(schema['params'] ? unstorableFields(request.params, 'params') : []),
    ...((schema['querystring'] ?? schema['query']) ? unstorableFields(request.query, 'query') : []),
    ...(schema['body'] ? unstorableFields(request.body, 'body') : []),
  ];
  if (errors.length > 0) throw validationProblem(errors.slice(0, MAX_REPORTED));
}
