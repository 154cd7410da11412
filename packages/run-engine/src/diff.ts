/**
 * A structural diff between two definitions, for a workflow's version history. Steps are matched by
 * id and parameters by name, so inserting a step reports one added step, not every later step changed.
 * Each change names its place by JSON Pointer: in the new definition for added, changed and moved
 * entries, in the old one for removed entries.
 */
import type { WorkflowDefinition } from './definition.ts';
import { escapePointerToken } from './schema-faults.ts';

export type DefinitionChange =
  | { op: 'added'; pointer: string; new: unknown }
  | { op: 'removed'; pointer: string; old: unknown }
  | { op: 'changed'; pointer: string; old: unknown; new: unknown }
  | { op: 'moved'; pointer: string; from: string };

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The key an array entry is matched by: a step's id, a parameter's name. */
function entryKey(v: unknown): string | undefined {
  if (!isObject(v)) return undefined;
  if (typeof v.id === 'string') return `id:${v.id}`;
  if (typeof v.name === 'string') return `name:${v.name}`;
  return undefined;
}

export function diffDefinitions(older: WorkflowDefinition, newer: WorkflowDefinition): DefinitionChange[] {
  const changes: DefinitionChange[] = [];
  diffValue(older, newer, '', '', changes);
  return changes;
}

function diffValue(a: unknown, b: unknown, oldAt: string, newAt: string, out: DefinitionChange[]): void {
  if (Array.isArray(a) && Array.isArray(b)) {
    const keyed = [...a, ...b].every((v) => entryKey(v) !== undefined);
    if (keyed) diffKeyedArray(a, b, oldAt, newAt, out);
    else diffIndexedArray(a, b, oldAt, newAt, out);
  } else if (isObject(a) && isObject(b)) {
    for (const key of Object.keys(a)) {
      const t = escapePointerToken(key);
      if (!(key in b)) out.push({ op: 'removed', pointer: `${oldAt}/${t}`, old: a[key] });
      else diffValue(a[key], b[key], `${oldAt}/${t}`, `${newAt}/${t}`, out);
    }
    for (const key of Object.keys(b)) {
      if (!(key in a)) out.push({ op: 'added', pointer: `${newAt}/${escapePointerToken(key)}`, new: b[key] });
    }
  } else if (!Object.is(a, b)) {
    out.push({ op: 'changed', pointer: newAt, old: a, new: b });
  }
}

function diffIndexedArray(a: unknown[], b: unknown[], oldAt: string, newAt: string, out: DefinitionChange[]) {
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) diffValue(a[i], b[i], `${oldAt}/${i}`, `${newAt}/${i}`, out);
  for (let i = common; i < a.length; i++) out.push({ op: 'removed', pointer: `${oldAt}/${i}`, old: a[i] });
  for (let i = common; i < b.length; i++) out.push({ op: 'added', pointer: `${newAt}/${i}`, new: b[i] });
}

function diffKeyedArray(a: unknown[], b: unknown[], oldAt: string, newAt: string, out: DefinitionChange[]) {
  const oldIndex = new Map(a.map((v, i) => [entryKey(v), i]));
  const newKeys = new Set(b.map(entryKey));
  a.forEach((v, i) => {
    if (!newKeys.has(entryKey(v))) out.push({ op: 'removed', pointer: `${oldAt}/${i}`, old: v });
  });
  // Entries both sides keep: a move is reported when their relative order changed.
  const kept = a.filter((v) => newKeys.has(entryKey(v))).map(entryKey);
  let rank = 0;
  b.forEach((v, j) => {
    const i = oldIndex.get(entryKey(v));
    if (i === undefined) {
      out.push({ op: 'added', pointer: `${newAt}/${j}`, new: v });
      return;
    }
    if (kept[rank] !== entryKey(v))
      out.push({ op: 'moved', pointer: `${newAt}/${j}`, from: `${oldAt}/${i}` });
    rank++;
    diffValue(a[i], v, `${oldAt}/${i}`, `${newAt}/${j}`, out);
  });
}
