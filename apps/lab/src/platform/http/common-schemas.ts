import { type TLiteral, type TProperties, type TSchema, type TUnion, Type } from 'typebox';
import { NUMERIC_18_6 } from './validation.ts';

/** 21 CFR 11.10(e): why a regulated record changed. Required on updates and deletes. */
export const Reason = Type.String({ minLength: 3, maxLength: 1000 });
/** Human business keys (sample_id, lot_number, device_id ...): no spaces, no slashes, so URLs stay plain. */
export const Code = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' });
/** Every request's JSON nests at most 32 levels and holds no NUL character (@polymorph/http-problem/input-guard). */
export const Json = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Free-form JSON object: objects and arrays nested at most 32 deep (counting the request body)',
});
export const Limit = Type.Integer({ minimum: 1, maximum: 500, default: 50 });
export const Offset = Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 });
export const ReasonQuery = Type.Object({ reason: Reason }, { additionalProperties: false });

/**
 * One of a fixed list of strings, as a union of literals (the JSON Schema Ajv and the document see)
 * typed as the union of the values. `Array.map` cannot keep the tuple's element types, so the result
 * is typed here, once, from the same list.
 */
export const literalUnion = <const T extends readonly string[]>(
  values: T,
  options: { description?: string } = {},
) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  ) as unknown as TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }>;

/** `sort` query parameter: one of the keys, `-key` for descending where the service allows it. */
export const Sort = <const T extends readonly string[]>(keys: T) => Type.Optional(literalUnion(keys));

/** One page of a list: `next_offset` is the offset of the next page, null on the last one. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object(
    { items: Type.Array(item), next_offset: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]) },
    { additionalProperties: false },
  );

/** PostgreSQL's `date` and `timestamptz` have no year 0 (1 BC is year 0001 BC); they refuse it. */
const NOT_YEAR_ZERO = '^(?!0000)[0-9]{4}-';

/** A calendar day as a PostgreSQL `date` holds it and the API writes it: years 0001 to 9999 (there is no year 0). */
export const Day = Type.String({
  format: 'date',
  pattern: NOT_YEAR_ZERO,
  description: 'YYYY-MM-DD, year 0001 to 9999',
});

/**
 * A number a PostgreSQL `numeric(18,6)` column holds: less than 10^12 in magnitude, at most 6 decimal
 * places (more would be rounded away silently). `minimum` / `exclusiveMinimum` narrow it further.
 */
export const Decimal = (
  options: { minimum?: number; exclusiveMinimum?: number; description?: string; not?: object } = {},
) =>
  Type.Number({
    // One lower bound: a `minimum` replaces the column's (OpenAPI linters flag both on one schema).
    ...(options.minimum === undefined ? { exclusiveMinimum: -1e12 } : {}),
    exclusiveMaximum: 1e12,
    ...options,
    format: NUMERIC_18_6,
  });

/** An ISO 8601 timestamp as the API writes it (UTC, milliseconds). */
export const Timestamp = Type.String({ format: 'date-time', pattern: NOT_YEAR_ZERO });
/** A timestamp a request carries, said in its own words: years 0001 to 9999, as `timestamptz` holds. */
export const TimestampInput = (description: string) =>
  Type.String({ format: 'date-time', pattern: NOT_YEAR_ZERO, description });
/** A text column that may be NULL; options (description, maxLength) apply to the string. */
export const NullableString = (options: { maxLength?: number; description?: string } = {}) =>
  Type.Union([Type.String(options), Type.Null()]);

/** A list's query string: `limit` and `offset`, the resource's filters, and `sort` over its keys. */
export const ListQuery = <const F extends TProperties, const S extends readonly string[]>(
  filters: F,
  sorts: S,
) =>
  Type.Object(
    { limit: Limit, offset: Offset, ...filters, sort: Sort(sorts) },
    { additionalProperties: false },
  );
