/**
 * Source text (YAML or JSON) -> a WorkflowDefinition that satisfies the schema and the semantic rules
 * of validate.ts. Every fault carries a JSON Pointer into the parsed document, so a caller can say
 * exactly where the author went wrong; nothing here throws on bad input.
 */
import { Value } from 'typebox/value';
import { isMap, isSeq, parseDocument } from 'yaml';
import { WorkflowDefinition } from './definition.ts';
import { type DefinitionFault, escapePointerToken, schemaFaults } from './schema-faults.ts';
import { validateDefinition } from './validate.ts';

export type SourceFormat = 'yaml' | 'json';
export const SOURCE_FORMATS: readonly SourceFormat[] = ['yaml', 'json'];

export type { DefinitionFault } from './schema-faults.ts';

export type ParseResult =
  | { ok: true; definition: WorkflowDefinition }
  | { ok: false; faults: DefinitionFault[] };

/** A definition of 1,000 steps fits in well under this; anything larger is not a workflow. */
export const MAX_SOURCE_BYTES = 256 * 1024;
/** YAML aliases expand on load; a few hundred cover any honest reuse and stop a "billion laughs" source. */
export const MAX_YAML_ALIASES = 200;
/** The schema nests at most five levels (steps, loop, steps, condition, options); more is hostile. */
const MAX_DEPTH = 16;

const fault = (pointer: string, message: string): ParseResult => ({
  ok: false,
  faults: [{ pointer, message }],
});

/** Parses and validates: syntax, then the JSON Schema, then the semantic rules. */
export function parseDefinition(source: string, format: SourceFormat): ParseResult {
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > MAX_SOURCE_BYTES) {
    return fault('', `the source is ${bytes} bytes; the limit is ${MAX_SOURCE_BYTES}`);
  }
  const loaded = format === 'json' ? loadJson(source) : loadYaml(source);
  if (!loaded.ok) return loaded;
  const plain = plainDataFault(loaded.value, '', 0);
  if (plain) return { ok: false, faults: [plain] };
  return checkDefinition(loaded.value);
}

/** Validates an already-parsed value (a stored definition, a JSON body) as parseDefinition does. */
export function checkDefinition(value: unknown): ParseResult {
  if (!Value.Check(WorkflowDefinition, value)) {
    return { ok: false, faults: schemaFaults(value) };
  }
  const faults = validateDefinition(value);
  return faults.length > 0 ? { ok: false, faults } : { ok: true, definition: value };
}

type Loaded = { ok: true; value: unknown } | { ok: false; faults: DefinitionFault[] };

function loadYaml(source: string): Loaded {
  const doc = parseDocument(source, { uniqueKeys: true, prettyErrors: true, strict: true });
  const first = doc.errors[0];
  if (first) {
    const at = first.linePos?.[0];
    const where = at ? `line ${at.line}, column ${at.col}: ` : '';
    const what = firstLine(first.message).replace(/ at line \d+, column \d+:?$/, '');
    return { ok: false, faults: [{ pointer: '', message: `${where}${what}` }] };
  }
  if (!isMap(doc.contents) && !isSeq(doc.contents) && doc.contents !== null) {
    return { ok: false, faults: [{ pointer: '', message: 'the source must be a mapping' }] };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) };
  } catch (error) {
    // yaml throws a ReferenceError when the aliases would expand beyond maxAliasCount.
    return {
      ok: false,
      faults: [{ pointer: '', message: error instanceof Error ? firstLine(error.message) : 'invalid YAML' }],
    };
  }
}

/** JSON.parse for strict syntax, then the YAML parser (JSON is YAML 1.2) to refuse duplicate keys. */
function loadJson(source: string): Loaded {
  try {
    JSON.parse(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'syntax error';
    return { ok: false, faults: [{ pointer: '', message: `invalid JSON: ${reason}` }] };
  }
  return loadYaml(source);
}

const firstLine = (text: string) => text.split('\n')[0] ?? text;

/** Finite numbers, bounded depth: what canonical JSON and the schema can hold. */
function plainDataFault(value: unknown, pointer: string, depth: number): DefinitionFault | undefined {
  if (depth > MAX_DEPTH) return { pointer, message: `nests deeper than ${MAX_DEPTH} levels` };
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return { pointer, message: 'must be a finite number' };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [key, child] of entries) {
    const found = plainDataFault(child, `${pointer}/${escapePointerToken(key)}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}
