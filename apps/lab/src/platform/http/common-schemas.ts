import { type TLiteral, type TProperties, type TSchema, type TUnion, Type } from 'typebox';

/** 21 CFR 11.10(e): why a regulated record changed. Required on updates and deletes. */
export const Reason = Type.String({ minLength: 3, maxLength: 1000 });
/** Human business keys (sample_id, lot_number, device_id ...): no spaces, no slashes, so URLs stay plain. */
export const Code = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' });
export const Json = Type.Record(Type.String(), Type.Unknown());
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

/** An ISO 8601 timestamp as the API writes it (UTC, milliseconds). */
export const Timestamp = Type.String({ format: 'date-time' });
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
