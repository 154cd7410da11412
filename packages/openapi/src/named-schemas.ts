// A schema given a `title` in route code is one named thing: the document holds it once, under
// #/components/schemas/<title>, and every operation that uses it refers to it.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface OpenApiDocument {
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown>; [key: string]: unknown };
  [key: string]: unknown;
}

/** Keywords whose values are data, not schemas: an example may well have a `title` field. */
const DATA_KEYWORDS = new Set(['example', 'examples', 'default', 'const', 'enum']);

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Moves every titled schema under `paths` into `components.schemas` and leaves a `$ref` in its place.
 * Two different schemas with one title are a mistake in route code: it throws, naming the title.
 */
export function hoistNamedSchemas<D extends object>(input: D): D & OpenApiDocument {
  // Any OpenAPI 3.x document type: only `paths` and `components` are read, as plain JSON.
  const document = input as OpenApiDocument;
  document.components ??= {};
  document.components.schemas ??= {};
  const named = document.components.schemas as Record<string, Json>;
  const seen = new Map<string, string>(
    Object.entries(named).map(([title, schema]) => [title, JSON.stringify(schema)]),
  );

  const hoist = (node: Json, inSchema: boolean): Json => {
    if (Array.isArray(node)) return node.map((item) => hoist(item, inSchema));
    if (!isObject(node)) return node;
    const copy: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (DATA_KEYWORDS.has(key)) copy[key] = value;
      // `properties` maps names to schemas: a property called "title" is not a title.
      else if (key === 'properties' && isObject(value)) copy[key] = mapValues(value, (v) => hoist(v, true));
      else copy[key] = hoist(value, true);
    }
    const title = copy['title'];
    if (!inSchema || typeof title !== 'string' || '$ref' in copy) return copy;
    const text = JSON.stringify(copy);
    const earlier = seen.get(title);
    if (earlier !== undefined && earlier !== text) {
      throw new Error(`two different schemas are titled "${title}"; give each its own title`);
    }
    seen.set(title, text);
    named[title] = copy;
    return { $ref: `#/components/schemas/${encodeURIComponent(title)}` };
  };

  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(pathItem)) {
      if (isObject(operation as Json)) pathItem[method] = hoistOperation(operation as JsonObject, hoist);
    }
  }
  return document as D & OpenApiDocument;
}

function hoistOperation(operation: JsonObject, hoist: (node: Json, inSchema: boolean) => Json): JsonObject {
  const out: JsonObject = { ...operation };
  for (const key of ['requestBody', 'responses', 'parameters'] as const) {
    if (operation[key] !== undefined) out[key] = hoistSchemasIn(operation[key] as Json, hoist);
  }
  return out;
}

/** Finds `schema` members (of media types and parameters) and hoists what they hold. */
function hoistSchemasIn(node: Json, hoist: (node: Json, inSchema: boolean) => Json): Json {
  if (Array.isArray(node)) return node.map((item) => hoistSchemasIn(item, hoist));
  if (!isObject(node)) return node;
  return mapValues(node, (value, key) =>
    key === 'schema' ? hoist(value, true) : hoistSchemasIn(value, hoist),
  );
}

function mapValues(object: JsonObject, fn: (value: Json, key: string) => Json): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) out[key] = fn(value, key);
  return out;
}
