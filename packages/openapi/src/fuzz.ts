// Property-based fuzzing from an OpenAPI 3.1 document: for each operation, a fast-check arbitrary of
// HTTP requests built from its parameters and request body. Most requests are hostile on purpose (wrong
// types, missing and extra fields, NUL and huge strings, extreme numbers and dates, deep nesting,
// broken JSON and multipart); the rest are valid, from the schema or the documented example. Each
// request carries tags naming what is hostile about it, so a failure can be classified.
import fc from 'fast-check';
import type { OpenApiDocument } from './named-schemas.ts';

type Schema = Record<string, unknown>;

export interface FuzzRequest {
  operationId: string;
  method: string;
  /** Path and query, percent-encoded. */
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** Send the caller's credentials (true) or none (false). */
  authenticated: boolean;
  /** What is hostile about the request; ['valid'] when nothing is meant to be. */
  tags: string[];
}

export interface FuzzOperation {
  operationId: string;
  method: string;
  /** OpenAPI path template, e.g. /api/samples/{sampleId}. */
  path: string;
  /** The operation declares a security requirement (it needs credentials). */
  secured: boolean;
  arbitrary: fc.Arbitrary<FuzzRequest>;
}

export interface FuzzOptions {
  /** Values that exist, by path parameter name, so that some requests get past the 404. */
  pathValues?: Record<string, string[]>;
  /** Values that exist, by body field or query parameter name (lab_id, project_id ...), used in valid values. */
  knownValues?: Record<string, string[]>;
  /** Share of requests sent without credentials to secured operations; default 0.1. */
  anonymousShare?: number;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
}

interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema; example?: unknown }> };
  security?: unknown[];
}

/** JSON text inserted as is: numbers JSON.stringify cannot write (-0, 1e400, 2^63) and deep nesting. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of a value that may hold RawJson parts. */
export function jsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`);
    return `{${members.join(',')}}`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

interface QueryText {
  text: string;
  tags: string[];
}

interface Body {
  payload: string | Buffer | undefined;
  headers: Record<string, string>;
  tags: string[];
}

interface Tagged {
  value: unknown;
  tags: string[];
}

const tagged = (tags: string[]) => (value: unknown) => ({ value, tags });
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Every operation of the document with its request arbitrary, in document order. */
export function fuzzOperations(document: OpenApiDocument, options: FuzzOptions = {}): FuzzOperation[] {
  const builder = new RequestArbitraries(document, options);
  const operations: FuzzOperation[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, raw] of Object.entries(item ?? {})) {
      if (!HTTP_METHODS.includes(method)) continue;
      const operation = raw as Operation;
      const operationId = operation.operationId ?? `${method} ${path}`;
      const secured = isSecured(document, operation);
      operations.push({
        operationId,
        method: method.toUpperCase(),
        path,
        secured,
        arbitrary: builder.request(operationId, method.toUpperCase(), path, operation, secured),
      });
    }
  }
  return operations;
}

function isSecured(document: OpenApiDocument, operation: Operation): boolean {
  const security = operation.security ?? (document as { security?: unknown[] }).security ?? [];
  return security.length > 0 && !security.some((s) => Object.keys(s as object).length === 0);
}

// ---------- hostile building blocks ----------

const NUL_STRINGS = ['\u0000', 'a\u0000b', 'NUL\u0000at the end', '\u0000\u0000\u0000'];
const UNICODE_STRINGS = [
  'Ünïcödé ✓',
  '🧪🔬💊',
  'שלום עולם',
  '\u202eRTL override',
  'e\u0301\u0301\u0301',
  '\ud800',
  '\udfff\ud800',
  '\uffff\ufeff',
  '𝕏'.repeat(50),
];
const TRICKY_STRINGS = [
  '',
  ' ',
  "' OR 1=1 --",
  '%_\\',
  '../../../etc/passwd',
  '<script>alert(1)</script>',
  '=cmd|" /C calc"!A0',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style payload, on purpose
  '${jndi:ldap://x}',
  'null',
  'undefined',
  '__proto__',
  'NaN',
];
const BAD_DATES = [
  '0000-01-01',
  '0000-00-00',
  '9999-12-31',
  '10000-01-01',
  '+275760-09-13',
  '-000001-01-01',
  '2024-02-30',
  '2023-02-29',
  '2024-13-01',
  '2024-1-1',
  '1970-01-01',
  '1899-12-31',
];
const BAD_DATE_TIMES = [
  '0000-01-01T00:00:00Z',
  '0000-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  '10000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '2024-01-01T25:00:00Z',
  '2024-01-01T23:59:60Z',
  '2024-02-30T12:00:00Z',
  '2024-01-01T00:00:00+25:00',
  '2024-01-01T00:00:00',
  '1970-01-01T00:00:00Z',
];
/** Number tokens as JSON text: JSON.stringify writes -0 as 0 and cannot write 2^63 exactly. */
const EXTREME_NUMBERS = [
  '1e308',
  '-1e308',
  '1.7976931348623157e308',
  '1e400',
  '-0',
  '-0.0',
  '5e-324',
  '1e-7',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775809',
  '18446744073709551616',
  '2147483648',
  '-2147483649',
  '4294967296',
  '9007199254740993',
  '1000000000000.5',
  '0.1',
];
const NUMBER_LOOKALIKES = ['NaN', 'Infinity', '-Infinity', '5', '1e308', '0x10', '1_000', ''];

const ANY_WRONG: unknown[] = [null, true, 12345, -1, 'a string', {}, [], [null], { a: 1 }];

function wrongTypesFor(type: string | undefined): unknown[] {
  return ANY_WRONG.filter((v) => {
    if (v === null) return type !== 'null';
    if (Array.isArray(v)) return type !== 'array';
    if (typeof v === 'object') return type !== 'object';
    if (typeof v === 'number') return type !== 'number' && type !== 'integer';
    return typeof v !== type;
  });
}

/** Nested arrays or objects, n levels deep, as JSON text (no recursion in the generator). */
const deepArray = (n: number) => new RawJson(`${'['.repeat(n)}1${']'.repeat(n)}`);
const deepObject = (n: number) => new RawJson(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`);
const DEPTHS = [64, 1_000, 20_000, 100_000];

const deepNesting: fc.Arbitrary<Tagged> = fc
  .tuple(fc.constantFrom(...DEPTHS), fc.boolean())
  .map(([n, arrays]) => ({ value: arrays ? deepArray(n) : deepObject(n), tags: ['deep-nesting'] }));

function hugeStrings(maxLength: number | undefined): fc.Arbitrary<Tagged> {
  const lengths = [200_000, 5_000];
  if (maxLength !== undefined) lengths.push(maxLength + 1);
  return fc
    .tuple(fc.constantFrom(...lengths), fc.constantFrom('x', 'é', '🧪'))
    .map(([n, c]) => ({ value: c.repeat(Math.ceil(n / c.length)), tags: ['huge-string'] }));
}

const nulString: fc.Arbitrary<Tagged> = fc
  .tuple(fc.constantFrom(...NUL_STRINGS), fc.string({ maxLength: 8 }))
  .map(([nul, s]) => ({ value: `${s}${nul}${s}`, tags: ['nul'] }));

// ---------- the builder ----------

/** Values a schema accepts (resolving the document's components), e.g. to test the generator. */
export function validValues(
  document: OpenApiDocument,
  schema: Record<string, unknown>,
): fc.Arbitrary<unknown> {
  return new RequestArbitraries(document, {}).valid(schema);
}

class RequestArbitraries {
  private readonly schemas: Record<string, Schema>;
  private readonly anonymousShare: number;

  constructor(
    document: OpenApiDocument,
    private readonly options: FuzzOptions,
  ) {
    this.schemas = ((document.components as { schemas?: Record<string, Schema> } | undefined)?.schemas ??
      {}) as Record<string, Schema>;
    this.anonymousShare = options.anonymousShare ?? 0.1;
  }

  request(
    operationId: string,
    method: string,
    path: string,
    operation: Operation,
    secured: boolean,
  ): fc.Arbitrary<FuzzRequest> {
    const params = operation.parameters ?? [];
    const pathParams = params.filter((p) => p.in === 'path');
    const queryParams = params.filter((p) => p.in === 'query');
    const hasBody = operation.requestBody?.content !== undefined;
    // One place is hostile at a time (or none), so the rest of the request gets past validation and
    // the hostile part reaches the code behind it.
    const places: fc.WeightedArbitrary<'none' | 'path' | 'query' | 'body'>[] = [
      { weight: 2, arbitrary: fc.constant('none') },
      { weight: hasBody ? 2 : 1, arbitrary: fc.constant('body') },
    ];
    if (pathParams.length > 0) places.push({ weight: 1, arbitrary: fc.constant('path') });
    if (queryParams.length > 0) places.push({ weight: 2, arbitrary: fc.constant('query') });
    const anonymous = secured
      ? fc.noBias(fc.integer({ min: 0, max: 999 })).map((n) => n < this.anonymousShare * 1000)
      : fc.constant(false);
    const parts = fc
      .oneof(...places)
      .chain((place) =>
        fc.tuple(
          this.pathValues(pathParams, place === 'path'),
          this.query(queryParams, place === 'query'),
          this.body(operation, place === 'body'),
        ),
      );
    return fc.tuple(parts, anonymous).map(([[pathValues, query, body], anon]) => {
      let url = path;
      pathParams.forEach((p, i) => {
        url = url.replace(`{${p.name}}`, pathValues[i]!.text);
      });
      if (query.text) url += `?${query.text}`;
      const tags = [...pathValues.flatMap((v) => v.tags), ...query.tags, ...body.tags];
      if (anon) tags.push('anonymous');
      const request: FuzzRequest = {
        operationId,
        method,
        url,
        headers: body.headers,
        authenticated: !anon,
        tags: [],
      };
      if (body.payload !== undefined) request.payload = body.payload;
      request.tags = classify(request, tags);
      return request;
    });
  }

  // ---- path and query ----

  /** Valid path parameters, or all valid but one. */
  private pathValues(params: Parameter[], hostile: boolean): fc.Arbitrary<QueryText[]> {
    if (params.length === 0) return fc.constant([]);
    const values = (bad: number) => fc.tuple(...params.map((p, i) => this.pathValue(p, i === bad)));
    return hostile ? fc.nat({ max: params.length - 1 }).chain(values) : values(-1);
  }

  private pathValue(param: Parameter, hostile: boolean): fc.Arbitrary<QueryText> {
    const schema = this.resolve(param.schema ?? {});
    const known = this.options.pathValues?.[param.name] ?? [];
    const choices: fc.WeightedArbitrary<Tagged>[] = hostile
      ? [{ weight: 1, arbitrary: this.hostileScalarText(schema) }]
      : [{ weight: 1, arbitrary: this.valid(schema).map(tagged([])) }];
    if (!hostile && known.length > 0) {
      choices.push({ weight: 4, arbitrary: fc.constantFrom(...known).map(tagged([])) });
    }
    return fc.oneof(...choices).map(({ value, tags }) => {
      if (value instanceof RawJson) return { text: value.text, tags };
      return { text: encodeComponent(scalarText(value)), tags };
    });
  }

  /** A valid query (required parameters, some optional ones), or one with one thing wrong. */
  private query(params: Parameter[], hostile: boolean): fc.Arbitrary<QueryText> {
    const extra = fc.constant<QueryText>({ text: 'unexpected=1', tags: ['extra-field'] });
    if (params.length === 0) return hostile ? extra : fc.constant<QueryText>({ text: '', tags: [] });
    const entry = (p: Parameter, bad: boolean): fc.Arbitrary<Tagged | undefined> => {
      const schema = this.resolve(p.schema ?? {});
      const generated = this.valid(schema);
      const valid = (isPlainString(schema) ? this.knownOr(p.name, generated) : generated).map(tagged([]));
      if (!bad) return p.required ? valid : fc.option(valid, { nil: undefined, freq: 2 });
      const choices: fc.Arbitrary<Tagged | undefined>[] = [
        this.hostileScalarText(schema),
        this.hostileScalarText(schema),
        fc
          .tuple(this.valid(schema), this.valid(schema))
          .map(([a, b]) => ({ value: [a, b], tags: ['repeated-parameter'] })),
      ];
      // a required parameter left out: its default, or a 400
      if (p.required) choices.push(fc.constant(undefined));
      return fc.oneof(...choices);
    };
    const entries = (bad: number) => fc.tuple(...params.map((p, i) => entry(p, i === bad)));
    const chosen = hostile ? fc.nat({ max: params.length }).chain(entries) : entries(-1);
    const withExtra = hostile
      ? fc.tuple(
          chosen,
          fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
        )
      : fc.tuple(chosen, fc.constant(false));
    return withExtra.map(([values, extraParam]) => {
      const parts: string[] = [];
      const tags: string[] = [];
      values.forEach((entry, i) => {
        const name = params[i]!.name;
        if (entry === undefined) {
          if (params[i]!.required) tags.push('missing-required');
          return;
        }
        tags.push(...entry.tags);
        const list =
          Array.isArray(entry.value) && entry.tags.includes('repeated-parameter')
            ? entry.value
            : [entry.value];
        for (const v of list) {
          parts.push(`${name}=${v instanceof RawJson ? v.text : encodeComponent(scalarText(v))}`);
        }
      });
      if (extraParam) {
        parts.push('unexpected=1');
        tags.push('extra-field');
      }
      return { text: parts.join('&'), tags };
    });
  }

  /** Values that exist (knownValues) for a field or parameter of that name, or else generated ones. */
  private knownOr(name: string, generated: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
    const known = this.options.knownValues?.[name] ?? [];
    if (known.length === 0) return generated;
    return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: generated });
  }

  /** Hostile values for a parameter (a string on the wire). RawJson here holds raw percent-encoded text. */
  private hostileScalarText(schema: Schema): fc.Arbitrary<Tagged> {
    const type = typeOf(schema);
    const choices: fc.Arbitrary<Tagged>[] = [
      nulString,
      hugeStrings(typeof schema['maxLength'] === 'number' ? schema['maxLength'] : undefined).map((t) => ({
        value: String(t.value).slice(0, 5_000),
        tags: t.tags,
      })),
      fc.constantFrom(...UNICODE_STRINGS).map(tagged(['unicode'])),
      fc.constantFrom(...TRICKY_STRINGS).map(tagged(['tricky-string'])),
      fc.constantFrom('%', '%ZZ', '%E0%A4%A', '%C0%80', '%00', '%2F..%2F', '%FF%FE').map((s) => ({
        value: new RawJson(s),
        tags: ['bad-encoding'],
      })),
    ];
    if (type === 'number' || type === 'integer') {
      choices.push(fc.constantFrom(...EXTREME_NUMBERS, ...NUMBER_LOOKALIKES).map(tagged(['extreme-number'])));
      choices.push(this.boundaryNumbers(schema));
    }
    if (type === 'boolean') choices.push(fc.constantFrom('yes', '2', 'TRUE', '').map(tagged(['wrong-type'])));
    if (schema['format'] === 'date')
      choices.push(fc.constantFrom(...BAD_DATES).map(tagged(['extreme-date'])));
    if (schema['format'] === 'date-time') {
      choices.push(fc.constantFrom(...BAD_DATE_TIMES).map(tagged(['extreme-date'])));
    }
    return fc.oneof(...choices);
  }

  // ---- body ----

  private body(operation: Operation, hostile: boolean): fc.Arbitrary<Body> {
    const content = operation.requestBody?.content ?? {};
    const json = content['application/json'];
    if (json) {
      const schema = this.resolve(json.schema ?? {});
      const bases = [this.valid(schema)];
      if (json.example !== undefined) bases.push(fc.constant(json.example));
      const base = fc.oneof(...bases);
      const asJson = (arb: fc.Arbitrary<Tagged>) =>
        arb.map(({ value, tags }) => ({
          payload: jsonText(value) as string | Buffer | undefined,
          headers: { 'content-type': 'application/json' } as Record<string, string>,
          tags,
        }));
      if (!hostile) return asJson(base.map(tagged(['valid'])));
      return fc.oneof(
        { weight: 10, arbitrary: asJson(base.chain((v) => this.mutate(schema, v, 0))) },
        { weight: 2, arbitrary: asJson(this.hostileLeaf(schema)) },
        { weight: 1, arbitrary: brokenJsonBodies },
      );
    }
    if (content['multipart/form-data']) return multipartBodies(hostile);
    // No body declared: none, or (hostile) one anyway.
    if (!hostile) return fc.constant<Body>({ payload: undefined, headers: {}, tags: [] });
    return fc.oneof(
      brokenJsonBodies,
      fc.constant<Body>({
        payload: '{"unexpected":true}',
        headers: { 'content-type': 'application/json' },
        tags: ['unexpected-body'],
      }),
    );
  }

  /** A hostile change somewhere inside a valid value. */
  private mutate(schemaIn: Schema, value: unknown, depth: number): fc.Arbitrary<Tagged> {
    const schema = this.branchFor(this.resolve(schemaIn), value);
    const choices: fc.WeightedArbitrary<Tagged>[] = [{ weight: 1, arbitrary: this.hostileLeaf(schema) }];
    if (isPlainObject(value) && depth < 6) {
      const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
      const required = ((schema['required'] ?? []) as string[]).filter((k) => k in value);
      if (required.length > 0) {
        choices.push({
          weight: 2,
          arbitrary: fc.constantFrom(...required).map((k) => {
            const copy = { ...value };
            delete copy[k];
            return { value: copy, tags: ['missing-required'] };
          }),
        });
      }
      choices.push({
        weight: 1,
        arbitrary: fc
          .tuple(
            fc.constantFrom(
              'unexpected',
              'id',
              'created_at',
              'is_admin',
              'lab_id',
              '__proto__',
              'constructor',
            ),
            fc.jsonValue({ maxDepth: 2 }),
          )
          .map(([k, v]) => ({ value: new RawJson(withMember(value, k, v)), tags: ['extra-field'] })),
      });
      const keys = Object.keys(properties);
      if (keys.length > 0) {
        choices.push({
          weight: 6,
          arbitrary: fc.constantFrom(...keys).chain((k) =>
            this.mutate(properties[k]!, value[k], depth + 1).map((inner) => ({
              value: { ...value, [k]: inner.value },
              tags: inner.tags,
            })),
          ),
        });
      }
    }
    if (Array.isArray(value) && depth < 6) {
      const items = this.resolve((schema['items'] ?? {}) as Schema);
      if (value.length > 0) {
        choices.push({
          weight: 3,
          arbitrary: fc.tuple(fc.nat({ max: value.length - 1 }), fc.constant(null)).chain(([i]) =>
            this.mutate(items, value[i], depth + 1).map((inner) => {
              const copy = [...value];
              copy[i] = inner.value;
              return { value: copy, tags: inner.tags };
            }),
          ),
        });
      }
      if (typeof schema['maxItems'] === 'number' && schema['maxItems'] < 20_000 && value.length > 0) {
        const n = schema['maxItems'] + 1;
        choices.push({
          weight: 1,
          arbitrary: fc.constant({
            value: Array.from({ length: n }, (_, i) => value[i % value.length]),
            tags: ['too-many-items'],
          }),
        });
      }
    }
    return fc.oneof(...choices);
  }

  /** A value that breaks the schema, or strains what lies behind it, in place of a valid one. */
  private hostileLeaf(schemaIn: Schema): fc.Arbitrary<Tagged> {
    const schema = this.resolve(schemaIn);
    const type = typeOf(schema);
    const choices: fc.Arbitrary<Tagged>[] = [
      fc.constantFrom(...wrongTypesFor(type)).map(tagged(['wrong-type'])),
      nulString,
    ];
    switch (type) {
      case 'string':
        choices.push(
          hugeStrings(typeof schema['maxLength'] === 'number' ? schema['maxLength'] : undefined),
          fc.constantFrom(...UNICODE_STRINGS).map(tagged(['unicode'])),
          fc.constantFrom(...TRICKY_STRINGS).map(tagged(['tricky-string'])),
        );
        if (schema['format'] === 'date')
          choices.push(fc.constantFrom(...BAD_DATES).map(tagged(['extreme-date'])));
        if (schema['format'] === 'date-time') {
          choices.push(fc.constantFrom(...BAD_DATE_TIMES).map(tagged(['extreme-date'])));
        }
        break;
      case 'number':
      case 'integer':
        choices.push(
          fc
            .constantFrom(...EXTREME_NUMBERS)
            .map((t) => ({ value: new RawJson(t), tags: ['extreme-number'] })),
          fc.constantFrom(...NUMBER_LOOKALIKES).map(tagged(['wrong-type'])),
          this.boundaryNumbers(schema),
        );
        break;
      case 'object':
      case 'array':
        choices.push(deepNesting);
        break;
      case undefined:
        // Free-form JSON (metadata): everything at once.
        choices.push(
          deepNesting,
          hugeStrings(undefined),
          fc
            .constantFrom(...EXTREME_NUMBERS)
            .map((t) => ({ value: new RawJson(t), tags: ['extreme-number'] })),
          fc.constantFrom(...UNICODE_STRINGS).map(tagged(['unicode'])),
          fc.jsonValue({ maxDepth: 4 }).map(tagged(['json-value'])),
        );
        break;
    }
    return fc.oneof(...choices);
  }

  /** The documented bounds, just inside and just outside. */
  private boundaryNumbers(schema: Schema): fc.Arbitrary<Tagged> {
    const values: number[] = [];
    for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']) {
      const bound = schema[key];
      if (typeof bound !== 'number') continue;
      values.push(bound, bound - 1, bound + 1, bound - 1e-7, bound + 1e-7);
    }
    if (values.length === 0) values.push(2 ** 31, 2 ** 53, -(2 ** 53));
    return fc.constantFrom(...values).map(tagged(['boundary']));
  }

  // ---- valid values ----

  /** A value the schema accepts (best effort: patterns and formats are honoured, `not` is ignored). */
  valid(schemaIn: Schema, depth = 0): fc.Arbitrary<unknown> {
    const schema = this.resolve(schemaIn);
    if (depth > 8) return fc.constant(null);
    if ('const' in schema) return fc.constant(schema['const']);
    if (Array.isArray(schema['enum'])) {
      const allowed = (schema['enum'] as unknown[]).filter((v) => !isExcluded(schema, v));
      return fc.constantFrom(...(allowed.length > 0 ? allowed : (schema['enum'] as unknown[])));
    }
    for (const key of ['anyOf', 'oneOf'] as const) {
      const branches = schema[key];
      if (Array.isArray(branches))
        return fc.oneof(...branches.map((b) => this.valid(b as Schema, depth + 1)));
    }
    if (Array.isArray(schema['allOf'])) return this.valid(schema['allOf'][0] as Schema, depth + 1);
    const types = schema['type'];
    if (Array.isArray(types)) {
      return fc.oneof(...types.map((t) => this.valid({ ...schema, type: t }, depth + 1)));
    }
    switch (types) {
      case 'string':
        return this.validString(schema);
      case 'integer': {
        const { min, max } = bounds(schema, true);
        return fc
          .oneof(
            { weight: 1, arbitrary: fc.constantFrom(min, max) },
            { weight: 4, arbitrary: fc.integer({ min, max }) },
          )
          .filter((n) => !isExcluded(schema, n));
      }
      case 'number': {
        const { min, max } = bounds(schema, false);
        const double = fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
        return fc
          .oneof(
            { weight: 1, arbitrary: fc.constantFrom(min, max) },
            { weight: 2, arbitrary: double },
            // amounts as people write them (a column with a fixed scale accepts these)
            {
              weight: 3,
              arbitrary: double.map((n) => Math.min(max, Math.max(min, Math.round(n * 100) / 100))),
            },
          )
          .filter((n) => !isExcluded(schema, n) && !Object.is(n, -0));
      }
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array': {
        const items = (schema['items'] ?? {}) as Schema;
        const minLength = (schema['minItems'] as number | undefined) ?? 0;
        const maxLength = Math.min(
          (schema['maxItems'] as number | undefined) ?? minLength + 3,
          minLength + 3,
        );
        const element = this.valid(items, depth + 1);
        return schema['uniqueItems']
          ? fc.uniqueArray(element, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
          : fc.array(element, { minLength, maxLength });
      }
      case 'object':
        return this.validObject(schema, depth);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  private validObject(schema: Schema, depth: number): fc.Arbitrary<unknown> {
    const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
    const required = ((schema['required'] ?? []) as string[]).filter((k) => k in properties);
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, sub] of Object.entries(properties)) {
      const generated = this.valid(sub, depth + 1);
      model[key] = isPlainString(this.resolve(sub)) ? this.knownOr(key, generated) : generated;
    }
    const record = fc.record(model, { requiredKeys: required });
    const additional = schema['additionalProperties'];
    if (Object.keys(properties).length === 0 && additional !== false) {
      const values =
        typeof additional === 'object' && additional !== null
          ? this.valid(additional as Schema, depth + 1)
          : fc.jsonValue({ maxDepth: 2 });
      return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), values, { maxKeys: 4 });
    }
    return record;
  }

  private validString(schema: Schema): fc.Arbitrary<string> {
    const minLength = (schema['minLength'] as number | undefined) ?? 0;
    const maxLength = (schema['maxLength'] as number | undefined) ?? Math.max(minLength, 40);
    const fits = (s: string) => {
      const n = [...s].length;
      return n >= minLength && n <= maxLength;
    };
    switch (schema['format']) {
      case 'email':
        return fc
          .tuple(
            fc.stringMatching(/^[a-z][a-z0-9.]{0,10}[a-z0-9]$/),
            fc.constantFrom('lab.test', 'example.org'),
          )
          .map(([local, domain]) => `${local.replace(/\.\.+/g, '.')}@${domain}`)
          .filter(fits);
      case 'date':
        return isoDates.map((d) => d.slice(0, 10));
      case 'date-time':
        return isoDates;
      case 'uuid':
        return fc.uuid();
    }
    if (typeof schema['pattern'] === 'string') {
      try {
        return fc.stringMatching(new RegExp(schema['pattern'] as string), { maxLength }).filter(fits);
      } catch {
        // a pattern fast-check cannot generate from (lookaround): plain strings, mostly refused
      }
    }
    const cap = Math.min(maxLength, minLength + 40);
    return fc
      .oneof(
        { weight: 3, arbitrary: fc.string({ minLength, maxLength: cap }) },
        { weight: 1, arbitrary: fc.string({ minLength, maxLength: cap, unit: 'binary' }) },
      )
      .filter(fits);
  }

  // ---- schema helpers ----

  resolve(schema: Schema): Schema {
    let current = schema;
    for (let i = 0; i < 20 && typeof current['$ref'] === 'string'; i++) {
      const ref = current['$ref'] as string;
      const name = ref.replace('#/components/schemas/', '');
      const target = this.schemas[name];
      if (!target) throw new Error(`unresolvable $ref ${ref}`);
      current = target;
    }
    return current;
  }

  /** For anyOf/oneOf: the branch the value was generated from (by JSON type), else the schema. */
  private branchFor(schema: Schema, value: unknown): Schema {
    const branches = (schema['anyOf'] ?? schema['oneOf']) as Schema[] | undefined;
    if (!Array.isArray(branches)) return schema;
    const kind = jsonType(value);
    for (const b of branches) {
      const r = this.resolve(b);
      const t = typeOf(r);
      if (t === kind || (kind === 'integer' && t === 'number') || (kind === 'number' && t === 'integer'))
        return r;
    }
    return this.resolve(branches[0]!);
  }
}

const isoDates = fc
  .date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

const SAFE = Number.MAX_SAFE_INTEGER;

function bounds(schema: Schema, integer: boolean): { min: number; max: number } {
  const num = (k: string) => (typeof schema[k] === 'number' ? (schema[k] as number) : undefined);
  const step = integer ? 1 : 1e-6;
  let min =
    num('minimum') ?? (num('exclusiveMinimum') !== undefined ? num('exclusiveMinimum')! + step : -1e6);
  let max = num('maximum') ?? (num('exclusiveMaximum') !== undefined ? num('exclusiveMaximum')! - step : 1e6);
  if (integer) {
    min = Math.max(Math.ceil(min), -SAFE);
    max = Math.min(Math.floor(max), SAFE);
  }
  return { min, max };
}

/** `not: { enum: [...] }` excludes values (the only use of `not` in our documents). */
function isExcluded(schema: Schema, value: unknown): boolean {
  const not = schema['not'] as Schema | undefined;
  return Array.isArray(not?.['enum']) && (not['enum'] as unknown[]).includes(value);
}

function typeOf(schema: Schema): string | undefined {
  const t = schema['type'];
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x) => x !== 'null') as string | undefined;
  if (Array.isArray(schema['enum'])) return jsonType((schema['enum'] as unknown[])[0]);
  const branches = (schema['anyOf'] ?? schema['oneOf']) as Schema[] | undefined;
  if (Array.isArray(branches)) {
    for (const b of branches) {
      const inner = typeOf(b);
      if (inner && inner !== 'null') return inner;
    }
  }
  if (schema['properties']) return 'object';
  return undefined;
}

/** A string with no enum or format: an id or a name, where a value that exists fits. */
function isPlainString(schema: Schema): boolean {
  return schema['type'] === 'string' && !('enum' in schema) && !('format' in schema) && !('const' in schema);
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof RawJson);
}

/** The object's JSON text with one more member (JSON text, so `__proto__` is a real key). */
function withMember(value: Record<string, unknown>, key: string, extra: unknown): string {
  const text = jsonText(value);
  const member = `${JSON.stringify(key)}:${jsonText(extra)}`;
  return text === '{}' ? `{${member}}` : `${text.slice(0, -1)},${member}}`;
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Percent-encodes UTF-8 bytes; unlike encodeURIComponent it never throws on a lone surrogate. */
export function encodeComponent(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// ---------- bodies that are broken as a whole ----------

const brokenJsonBodies = fc.constantFrom(
  { payload: '{"a":', headers: { 'content-type': 'application/json' }, tags: ['malformed-json'] },
  { payload: '', headers: { 'content-type': 'application/json' }, tags: ['malformed-json'] },
  { payload: 'null', headers: { 'content-type': 'application/json' }, tags: ['malformed-json'] },
  { payload: '{"a":1}{"b":2}', headers: { 'content-type': 'application/json' }, tags: ['malformed-json'] },
  { payload: '\ufeff{}', headers: { 'content-type': 'application/json' }, tags: ['malformed-json'] },
  {
    payload: '{"__proto__":{"admin":true}}',
    headers: { 'content-type': 'application/json' },
    tags: ['prototype'],
  },
  {
    payload: 'a=1&b=2',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    tags: ['content-type'],
  },
  { payload: '{}', headers: { 'content-type': 'text/plain' }, tags: ['content-type'] },
  { payload: '{}', headers: { 'content-type': 'application/json; charset=utf-16' }, tags: ['content-type'] },
) as fc.Arbitrary<{ payload: string | Buffer | undefined; headers: Record<string, string>; tags: string[] }>;

const PDF = Buffer.from('%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

interface Part {
  name: string;
  filename?: string;
  type?: string;
  data: Buffer;
}

function multipartText(boundary: string, parts: Part[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    const head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`;
    chunks.push(Buffer.from(head), p.data, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const multipartBodies = (hostile: boolean): fc.Arbitrary<Body> =>
  fc
    .tuple(
      hostile
        ? fc.constantFrom(
            'truncated-multipart',
            'two-files',
            'no-file',
            'wrong-field',
            'empty-file',
            'hostile-filename',
            'not-a-certificate',
            'missing-boundary',
            'json-instead',
          )
        : fc.constant('valid'),
      fc.uint8Array({ maxLength: 256 }),
      fc.double({ min: 0.05, max: 0.95, noNaN: true }),
      fc.constantFrom(PDF, PNG),
    )
    .map(([kind, bytes, cut, magic]) => {
      const boundary = 'fuzzBoundary7MA4YWxkTrZu0gW';
      const file = Buffer.concat([magic, Buffer.from(bytes)]);
      const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` };
      const valid: Part = { name: 'file', filename: 'cert.pdf', type: 'application/pdf', data: file };
      const bodies: Record<string, () => { payload: Buffer | string; headers: Record<string, string> }> = {
        valid: () => ({ payload: multipartText(boundary, [valid]), headers }),
        'truncated-multipart': () => {
          const whole = multipartText(boundary, [valid]);
          return { payload: whole.subarray(0, Math.max(1, Math.floor(whole.length * cut))), headers };
        },
        'two-files': () => ({
          payload: multipartText(boundary, [valid, { ...valid, filename: 'second.pdf' }]),
          headers,
        }),
        'no-file': () => ({ payload: multipartText(boundary, []), headers }),
        'wrong-field': () => ({
          payload: multipartText(boundary, [{ ...valid, name: 'certificate' }]),
          headers,
        }),
        'empty-file': () => ({
          payload: multipartText(boundary, [{ ...valid, data: Buffer.alloc(0) }]),
          headers,
        }),
        'hostile-filename': () => ({
          payload: multipartText(boundary, [{ ...valid, filename: `../../a\u0000${'é'.repeat(300)}.pdf` }]),
          headers,
        }),
        'not-a-certificate': () => ({
          payload: multipartText(boundary, [{ ...valid, data: Buffer.from(bytes) }]),
          headers,
        }),
        'missing-boundary': () => ({
          payload: multipartText(boundary, [valid]),
          headers: { 'content-type': 'multipart/form-data' },
        }),
        'json-instead': () => ({ payload: '{"file":"x"}', headers: { 'content-type': 'application/json' } }),
      };
      const body = bodies[kind]!();
      return { ...body, tags: kind === 'valid' ? ['valid'] : [kind] };
    });

// ---------- classification ----------

/** Adds tags found by reading the request itself (a valid value may hold a NUL or a year 0000 too). */
function classify(request: FuzzRequest, tags: string[]): string[] {
  const found = new Set(tags);
  // Multipart bodies are binary (file bytes hold NULs): their tags come from the generator alone.
  const text = `${request.url} ${typeof request.payload === 'string' ? request.payload : ''}`;
  if (text.includes('\u0000') || /%00|\\u0000/.test(text)) found.add('nul');
  if (/(^|[^0-9])(0000|[1-9]\d{4,})-\d\d-\d\d/.test(text)) found.add('extreme-date');
  if (/\d{10,}|\d[eE]\+?\d{2,}/.test(text)) found.add('extreme-number');
  found.delete('valid');
  return found.size === 0 ? ['valid'] : [...found].sort();
}

// ---------- running ----------

/** A failure the lead knows about, being fixed elsewhere; a run does not fail on it while it is listed. */
export interface KnownFailure {
  /** The operation, or '*' for a cause every operation of a kind shares (say which in `cause`). */
  operationId: string;
  /** One of the request's tags (nul, extreme-number, extreme-date, deep-nesting, truncated-multipart ...). */
  tag: string;
  /** Only failures with this status (all when undefined). */
  status?: number;
  /** The finding of the security review that names it, or 'new' for one the fuzzer found first. */
  finding: number | 'new';
  cause: string;
}

export interface FuzzFailure {
  operationId: string;
  method: string;
  url: string;
  payload: string;
  tags: string[];
  status: number;
  body: string;
  /** A 5xx, or what the response breaks in the document. */
  reasons: string[];
  /** The known-failures entry that covers it, if any. */
  known?: KnownFailure;
}

export interface FuzzReport {
  operations: number;
  requests: number;
  failures: FuzzFailure[];
  /** Failures no known-failures entry covers: these fail the run. */
  unknown: FuzzFailure[];
  /** Responses by status. */
  statuses: Record<string, number>;
  /** Operations no request got a 2xx from: the run did not get past their validation or lookups. */
  neverSucceeded: string[];
}

/** What the runner needs of a Fastify app. */
export interface Injectable {
  inject(options: {
    method: string;
    url: string;
    headers?: Record<string, string>;
    payload?: string | Buffer;
    remoteAddress?: string;
  }): PromiseLike<{ statusCode: number; headers: Record<string, unknown>; body: string }>;
}

export interface FuzzRunOptions {
  /** Requests per operation. */
  runs: number;
  seed: number;
  /** Credentials for an authenticated request; called before every request (it may log in again). */
  credentials: (request: FuzzRequest) => Promise<Record<string, string>> | Record<string, string>;
  knownFailures?: KnownFailure[];
  /** Checks each response against the document; returns what is wrong (empty when it conforms). */
  check: (response: {
    method: string;
    route: string;
    status: number;
    contentType: string | undefined;
    body: string;
  }) => string[];
  /** Called once before an operation's requests (e.g. to log in again after a logOut). */
  beforeOperation?: (operation: FuzzOperation) => Promise<void>;
  /** Only these operation ids (all when undefined). */
  only?: string[];
}

const excerpt = (text: string, n = 300) => {
  const safe = JSON.stringify(text.length > n ? `${text.slice(0, n)}…(${text.length} chars)` : text);
  return safe.slice(1, -1);
};

/** A stable per-operation seed, so adding an operation does not change the others' requests. */
function seedFor(seed: number, operationId: string): number {
  let h = seed | 0;
  for (const c of operationId) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return h;
}

/**
 * Sends `runs` generated requests to every operation, in document order (DELETEs last, so the records
 * they remove serve the others first). Failures are collected, not thrown.
 */
export async function runFuzz(
  app: Injectable,
  document: OpenApiDocument,
  operations: FuzzOperation[],
  options: FuzzRunOptions,
): Promise<FuzzReport> {
  const report: FuzzReport = {
    operations: 0,
    requests: 0,
    failures: [],
    unknown: [],
    statuses: {},
    neverSucceeded: [],
  };
  const ordered = [...operations]
    .filter((o) => !options.only || options.only.includes(o.operationId))
    .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
  let client = 0;
  for (const operation of ordered) {
    report.operations++;
    await options.beforeOperation?.(operation);
    const requests = fc.sample(operation.arbitrary, {
      numRuns: options.runs,
      seed: seedFor(options.seed, operation.operationId),
    });
    let succeeded = false;
    for (const request of requests) {
      report.requests++;
      const headers = {
        ...request.headers,
        ...(request.authenticated ? await options.credentials(request) : {}),
      };
      let res: { statusCode: number; headers: Record<string, unknown>; body: string };
      try {
        res = await app.inject({
          method: request.method,
          url: request.url,
          headers,
          ...(request.payload !== undefined ? { payload: request.payload } : {}),
          // A different client address per request, so per-client throttles see many clients.
          remoteAddress: `10.77.${(client >> 8) & 255}.${client++ & 255}`,
        });
      } catch (err) {
        // A response cut off mid-stream (status 0 here): the client got no complete answer.
        res = { statusCode: 0, headers: {}, body: `no complete response: ${(err as Error).message}` };
      }
      const status = String(res.statusCode);
      report.statuses[status] = (report.statuses[status] ?? 0) + 1;
      if (res.statusCode < 300) succeeded = true;
      const reasons: string[] = [];
      if (res.statusCode === 0) reasons.push(res.body);
      // 502 and 503 say a dependency outside the server (an instrument, the database) failed: an answer,
      // not a server fault. The contract check below still refuses one the operation does not declare.
      else if (res.statusCode >= 500 && res.statusCode !== 502 && res.statusCode !== 503)
        reasons.push(`status ${res.statusCode}`);
      const route = matchRoute(document, request.method, request.url.split('?')[0]!);
      if (route && res.statusCode !== 0) {
        const contentType = res.headers['content-type'];
        reasons.push(
          ...options.check({
            method: request.method,
            route: route.replace(/\{([^}]+)\}/g, ':$1'),
            status: res.statusCode,
            contentType: typeof contentType === 'string' ? contentType : undefined,
            body: res.body,
          }),
        );
      }
      if (reasons.length === 0) continue;
      const failure: FuzzFailure = {
        operationId: operation.operationId,
        method: request.method,
        url: excerpt(request.url),
        payload: excerpt(
          typeof request.payload === 'string' ? request.payload : (request.payload?.toString('latin1') ?? ''),
        ),
        tags: request.tags,
        status: res.statusCode,
        body: excerpt(res.body),
        reasons,
      };
      const known = options.knownFailures?.find(
        (k) =>
          (k.operationId === '*' || k.operationId === operation.operationId) &&
          request.tags.includes(k.tag) &&
          (k.status === undefined || k.status === res.statusCode),
      );
      if (known) failure.known = known;
      else report.unknown.push(failure);
      report.failures.push(failure);
    }
    if (!succeeded) report.neverSucceeded.push(operation.operationId);
  }
  return report;
}

/** The document path a concrete path reaches, static segments first (as Fastify's router prefers). */
export function matchRoute(document: OpenApiDocument, method: string, path: string): string | undefined {
  const segments = path.split('/');
  let best: { template: string; score: number } | undefined;
  for (const [template, item] of Object.entries(document.paths ?? {})) {
    if (!item?.[method.toLowerCase()]) continue;
    const parts = template.split('/');
    if (parts.length !== segments.length) continue;
    let score = 0;
    let matches = true;
    for (let i = 0; i < parts.length && matches; i++) {
      const part = parts[i]!;
      if (/^\{[^}]+\}$/.test(part)) matches = segments[i] !== '';
      else if (part === segments[i]) score += 2 ** (parts.length - i);
      else matches = false;
    }
    if (matches && (!best || score > best.score)) best = { template, score };
  }
  return best?.template;
}

/** One line per failure, for the test output and the report. */
export function describeFailure(f: FuzzFailure): string {
  const known = f.known ? ` [known: finding ${f.known.finding}, ${f.known.cause}]` : '';
  return `${f.operationId} ${f.method} ${f.url} tags=${f.tags.join(',')} -> ${f.status}: ${f.reasons.join('; ')}${known}\n    payload: ${f.payload}\n    body: ${f.body}`;
}

/** Counts for the log: operations, requests, failures, and failures by operation and tag. */
export function summarise(name: string, report: FuzzReport): string {
  const groups = new Map<string, number>();
  for (const f of report.failures) {
    const key = `${f.operationId} [${f.tags.join(',')}] -> ${f.status}${f.known ? ' (known)' : ''}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  const lines = [
    `fuzz ${name}: ${report.operations} operations, ${report.requests} requests, ${report.failures.length} failures (${report.unknown.length} not in the known list); statuses ${JSON.stringify(report.statuses)}`,
    ...[...groups].map(([k, n]) => `  ${n} x ${k}`),
  ];
  if (report.neverSucceeded.length > 0) {
    lines.push(
      `  no 2xx from ${report.neverSucceeded.length} operations: ${report.neverSucceeded.join(', ')}`,
    );
  }
  return lines.join('\n');
}

/** FUZZ_RUNS and FUZZ_SEED from the environment, with the CI defaults. */
export function fuzzSettings(env: Record<string, string | undefined>, defaults = { runs: 12, seed: 15 }) {
  const runs = env['FUZZ_RUNS'] ? Number(env['FUZZ_RUNS']) : defaults.runs;
  const seed = env['FUZZ_SEED'] ? Number(env['FUZZ_SEED']) : defaults.seed;
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`FUZZ_RUNS must be a positive integer (got ${env['FUZZ_RUNS']})`);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer (got ${env['FUZZ_SEED']})`);
  return { runs, seed };
}

/** Collects every string (and string array element) of a JSON value by its key: ids the app made. */
export function collectValues(value: unknown, pool: Map<string, Set<string>>, key = ''): void {
  if (typeof value === 'string' && key) {
    if (!pool.has(key)) pool.set(key, new Set());
    pool.get(key)!.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectValues(item, pool, key);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectValues(v, pool, k);
  }
}

/** Known values for each path parameter: sampleId takes sample_id's values, lot takes lot_number's ... */
export function pathValuesFrom(
  document: OpenApiDocument,
  pool: Map<string, Set<string>>,
  exclude: (value: string) => boolean = () => false,
): Record<string, string[]> {
  const names = new Set<string>();
  for (const path of Object.keys(document.paths ?? {})) {
    for (const m of path.matchAll(/\{([^}]+)\}/g)) names.add(m[1]!);
  }
  const out: Record<string, string[]> = {};
  for (const name of names) {
    const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const values = [name, snake, `${snake}_number`, `${snake}_code`].flatMap((k) => [...(pool.get(k) ?? [])]);
    const kept = [...new Set(values)].filter((v) => !exclude(v)).slice(0, 20);
    if (kept.length > 0) out[name] = kept;
  }
  return out;
}

/** The lines of a contract check's violations that no failure of the report already names. */
export function unreportedViolations(violations: string[], report: FuzzReport): string[] {
  const reported = new Set(report.failures.flatMap((f) => f.reasons));
  return [...new Set(violations)].filter((line) => !reported.has(line));
}

/**
 * What a run prints: the summary, each failure outside the known list, and each known failure no request
 * matched (its fix may have landed: delete the entry).
 */
export function formatFuzzReport(
  name: string,
  report: FuzzReport,
  known: readonly KnownFailure[],
  settings: { runs: number; seed: number },
): string {
  const lines = [`${summarise(name, report)}\n  runs per operation ${settings.runs}, seed ${settings.seed}`];
  if (report.unknown.length > 0) {
    lines.push(
      `failures outside the known list:\n  ${report.unknown.slice(0, 60).map(describeFailure).join('\n  ')}`,
    );
  }
  const seen = new Set(report.failures.flatMap((f) => (f.known ? [f.known] : [])));
  const stale = known.filter((k) => !seen.has(k));
  if (stale.length > 0) {
    lines.push(
      `known failures not seen in this run:\n  ${stale.map((k) => `${k.operationId} ${k.tag}`).join('\n  ')}`,
    );
  }
  return lines.join('\n');
}
