/**
 * TypeBox's errors -> one fault per real mistake. A union (a step, a condition, a number-or-parameter)
 * reports every branch it tried; an author wants to hear about the branch they meant, chosen by the
 * step's `type`, the condition's key or the value's JSON type. Unknown properties and missing required
 * ones get their own pointer. Steps and conditions are dispatched here, by their `type` or key, so each
 * is checked against the one schema it claims and TypeBox never explores every branch of them.
 */
import { type TSchema, Type } from 'typebox';
import { Settings } from 'typebox/system';
import { Value } from 'typebox/value';
import { Condition, LeafStep, RepeatUntilStep, WorkflowDefinition } from './definition.ts';

/** One thing wrong with a definition: where (RFC 6901, '' for the whole source) and what. */
export interface DefinitionFault {
  pointer: string;
  message: string;
}

export const escapePointerToken = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');

interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const unescapeToken = (t: string) => t.replace(/~1/g, '/').replace(/~0/g, '~');
const tokens = (pointer: string) => pointer.replace(/^#/, '').split('/').slice(1).map(unescapeToken);

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const token of tokens(pointer)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[token];
    else return undefined;
  }
  return node;
}

const jsonType = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? 'number' : typeof v;

/** Which branch of a union the author meant, or -1 when none can be told. */
function chosenBranch(branches: Json[], value: unknown): number {
  if (isObject(value)) {
    const byType = branches.findIndex((b) => {
      const props = b.properties;
      return isObject(props) && isObject(props.type) && props.type.const === value.type;
    });
    if (byType >= 0) return byType;
    const keys = Object.keys(value);
    const byKey = branches.filter(
      (b) =>
        isObject(b.properties) && keys.length === 1 && keys[0]! in b.properties && !('type' in b.properties),
    );
    if (byKey.length === 1) return branches.indexOf(byKey[0]!);
  }
  const type = jsonType(value);
  const byJsonType = branches.filter(
    (b) => b.const === undefined && (b.type === type || (b.type === 'integer' && type === 'number')),
  );
  return byJsonType.length === 1 ? branches.indexOf(byJsonType[0]!) : -1;
}

/** What a union accepts, when no branch fits the value at all. */
function unionFault(union: Json, value: unknown, pointer: string): DefinitionFault {
  const branches = Array.isArray(union.anyOf) ? union.anyOf.filter(isObject) : [];
  const consts = branches.map((b) => b.const).filter((c) => c !== undefined);
  if (consts.length === branches.length) {
    return { pointer, message: `must be one of: ${consts.join(', ')}` };
  }
  const stepTypes = branches
    .map((b) => (isObject(b.properties) && isObject(b.properties.type) ? b.properties.type.const : undefined))
    .filter((t) => t !== undefined);
  if (stepTypes.length === branches.length && isObject(value)) {
    return { pointer: `${pointer}/type`, message: `must be one of: ${stepTypes.join(', ')}` };
  }
  if (isObject(value) && branches.every((b) => isObject(b.properties) && !('type' in b.properties))) {
    const keys = branches.flatMap((b) => (isObject(b.properties) ? Object.keys(b.properties) : []));
    return { pointer, message: `must have exactly one of: ${keys.join(', ')}` };
  }
  return { pointer, message: 'must be a number or { param: <parameter name> }' };
}

/** The definition and a loop with their steps and condition unchecked: those are dispatched below. */
const TopShape = Type.Object(
  { ...WorkflowDefinition.properties, steps: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);
const LoopShape = Type.Object(
  {
    ...RepeatUntilStep.properties,
    until: Type.Unknown(),
    steps: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);
const LEAF_TYPES = new Map<unknown, TSchema>(
  LeafStep.anyOf.map((s): [unknown, TSchema] => [s.properties.type.const, s]),
);
const CONDITIONS = new Map<string, TSchema>(
  Condition.anyOf.map((c): [string, TSchema] => [Object.keys(c.properties)[0] ?? '', c]),
);
/** Errors TypeBox gathers per check; a step or condition has far fewer real mistakes than this. */
const MAX_ERRORS_PER_CHECK = 64;

/** The faults of a value that fails WorkflowDefinition, one per mistake, in document order. */
export function schemaFaults(value: unknown): DefinitionFault[] {
  const faults = errorsFor(TopShape, value, '');
  const steps = isObject(value) && Array.isArray(value.steps) ? value.steps : [];
  steps.forEach((step, i) => {
    faults.push(...stepFaults(step, `/steps/${i}`, true));
  });
  if (faults.length === 0) faults.push({ pointer: '', message: 'does not match the definition schema' });
  const seen = new Set<string>();
  return faults
    .filter((f) => {
      const key = `${f.pointer}\n${f.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
}

function stepFaults(step: unknown, at: string, topLevel: boolean): DefinitionFault[] {
  if (!isObject(step)) return [{ pointer: at, message: 'must be an object' }];
  const leaf = LEAF_TYPES.get(step.type);
  if (leaf) return errorsFor(leaf, step, at);
  const leafTypes = [...LEAF_TYPES.keys()].join(', ');
  if (step.type !== 'repeat_until') {
    return [
      { pointer: `${at}/type`, message: `must be one of: ${leafTypes}${topLevel ? ', repeat_until' : ''}` },
    ];
  }
  if (!topLevel) {
    return [{ pointer: `${at}/type`, message: `a loop holds leaf steps only: ${leafTypes}` }];
  }
  const faults = errorsFor(LoopShape, step, at);
  faults.push(...conditionFaults(step.until, `${at}/until`));
  const body = Array.isArray(step.steps) ? step.steps : [];
  body.forEach((s, j) => {
    faults.push(...stepFaults(s, `${at}/steps/${j}`, false));
  });
  return faults;
}

function conditionFaults(condition: unknown, at: string): DefinitionFault[] {
  if (condition === undefined) return [];
  const keys = isObject(condition) ? Object.keys(condition) : [];
  const schema = keys.length === 1 ? CONDITIONS.get(keys[0] ?? '') : undefined;
  if (!schema)
    return [{ pointer: at, message: `must have exactly one of: ${[...CONDITIONS.keys()].join(', ')}` }];
  return errorsFor(schema, condition, at);
}

/** TypeBox's errors of one check, unions narrowed to the branch meant, pointers prefixed with `at`. */
function errorsFor(schema: TSchema, value: unknown, at: string): DefinitionFault[] {
  const previous = Settings.Get().maxErrors;
  Settings.Set({ maxErrors: MAX_ERRORS_PER_CHECK });
  let errors: SchemaError[];
  try {
    errors = Value.Errors(schema, value);
  } finally {
    Settings.Set({ maxErrors: previous });
  }
  const extra: DefinitionFault[] = [];
  // Outermost unions first: once a branch is chosen, the inner unions of the others are gone too.
  const unions = errors
    .filter((e) => e.keyword === 'anyOf')
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const union of unions) {
    if (!errors.includes(union)) continue;
    const prefix = `${union.schemaPath}/anyOf/`;
    const unionSchema = valueAt(schema, union.schemaPath);
    if (!isObject(unionSchema) || !Array.isArray(unionSchema.anyOf)) continue;
    const instance = valueAt(value, union.instancePath);
    const branch = chosenBranch(unionSchema.anyOf.filter(isObject), instance);
    const keep = `${prefix}${branch}`;
    errors = errors.filter(
      (e) =>
        e !== union &&
        (!e.schemaPath.startsWith(prefix) ||
          (branch >= 0 && (e.schemaPath === keep || e.schemaPath.startsWith(`${keep}/`)))),
    );
    if (branch < 0) extra.push(unionFault(unionSchema, instance, union.instancePath));
  }
  const faults = errors.flatMap((e): DefinitionFault[] => {
    if (e.keyword === 'boolean' && e.schemaPath.endsWith('/additionalProperties')) {
      return [{ pointer: e.instancePath, message: 'is not a property this object has' }];
    }
    if (e.keyword === 'additionalProperties') return [];
    if (e.keyword === 'required' && Array.isArray(e.params.requiredProperties)) {
      return e.params.requiredProperties.map((p) => ({
        pointer: `${e.instancePath}/${escapePointerToken(String(p))}`,
        message: 'is required',
      }));
    }
    return [{ pointer: e.instancePath, message: e.message }];
  });
  return [...faults, ...extra].map((f) => ({ ...f, pointer: `${at}${f.pointer}` }));
}
