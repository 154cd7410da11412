// The editor's checks, shown per step: the API's validation problem (authoritative, on save) and a
// client-side check against the JSON Schema the API serves (as you type). Both are reduced to issues
// at a path inside the definition, e.g. ['steps', '2', 'seconds'].
import { Validator } from '@cfworker/json-schema';
import { parse } from 'yaml';
import type { ProblemError } from '../../api/client.ts';

export interface Issue {
  path: string[];
  message: string;
}

export interface StepOutline {
  id: string;
  type: string;
}

/** The source parsed (YAML is a superset of JSON), or the parse error as an issue at the top. */
export function parseSource(source: string): { value: unknown; issue: Issue | null } {
  try {
    return { value: parse(source, { uniqueKeys: true }), issue: null };
  } catch (error) {
    return {
      value: null,
      issue: { path: [], message: error instanceof Error ? error.message : String(error) },
    };
  }
}

/** Each top-level step's id and type, for the outline the issues are shown beside. */
export function outline(value: unknown): StepOutline[] {
  if (typeof value !== 'object' || value === null || !('steps' in value) || !Array.isArray(value.steps))
    return [];
  return value.steps.map((step: unknown, i) => {
    const record = typeof step === 'object' && step !== null ? step : {};
    const id = 'id' in record && typeof record.id === 'string' ? record.id : `#${i + 1}`;
    const type = 'type' in record && typeof record.type === 'string' ? record.type : '?';
    return { id, type };
  });
}

const pointerPath = (pointer: string) =>
  pointer
    .replace(/^#/, '')
    .split('/')
    .filter(Boolean)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));

/** The API's validation problem as issues: `pointer` is `/source/steps/2/seconds`. */
export function problemIssues(problem: ProblemError | null): Issue[] {
  return (problem?.problem.errors ?? [])
    .filter((e) => e.pointer?.startsWith('/source') || e.field?.startsWith('body.source'))
    .map((e) => ({ path: pointerPath(e.pointer ?? '').slice(1), message: e.message ?? 'invalid' }));
}

// Keywords that only say "something below failed"; the errors under them say what.
const SUMMARY_KEYWORDS = new Set(['properties', 'items', 'prefixItems', 'allOf', '$ref', 'false']);

interface SchemaError {
  keyword: string;
  keywordLocation: string;
  instanceLocation: string;
  error: string;
}

/** Each `anyOf/N` branch an error lies in, outermost first. */
const branchesOf = (e: SchemaError) =>
  [...e.keywordLocation.matchAll(/\/anyOf\/\d+/g)].map((m) =>
    e.keywordLocation.slice(0, m.index + m[0].length),
  );

/**
 * A validator reports every branch of a union (a step, a number-or-parameter). Like the API, keep the
 * branch the value is meant for: a branch whose `type` discriminator (const) or JSON type does not fit
 * is ruled out, with everything under it; a union none of whose branches fits says so itself.
 */
function meaningful(errors: SchemaError[]): SchemaError[] {
  const ruledOut = new Set<string>();
  for (const e of errors) {
    const innermost = branchesOf(e).at(-1);
    if (innermost && (e.keyword === 'const' || e.keyword === 'type')) ruledOut.add(innermost);
  }
  const kept = errors.filter(
    (e) => !SUMMARY_KEYWORDS.has(e.keyword) && !branchesOf(e).some((b) => ruledOut.has(b)),
  );
  return kept.filter(
    (e) =>
      e.keyword !== 'anyOf' ||
      !kept.some(
        (o) => o !== e && o.keyword !== 'anyOf' && o.instanceLocation.startsWith(e.instanceLocation),
      ),
  );
}

/** Checks the parsed definition against the served schema (draft 2020-12); no eval, so the CSP holds. */
export function schemaIssues(schema: object, value: unknown): Issue[] {
  const result = new Validator(schema, '2020-12', false).validate(value);
  if (result.valid) return [];
  const seen = new Set<string>();
  const issues: Issue[] = [];
  for (const e of meaningful(result.errors)) {
    const key = `${e.instanceLocation} ${e.error}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ path: pointerPath(e.instanceLocation), message: e.error });
  }
  return issues.slice(0, 50);
}

/** Issues of step i (its path starts steps/i), and those that belong to no step. */
export function issuesByStep(issues: Issue[]): { steps: Map<number, Issue[]>; other: Issue[] } {
  const steps = new Map<number, Issue[]>();
  const other: Issue[] = [];
  for (const issue of issues) {
    const [head, index] = issue.path;
    if (head === 'steps' && index !== undefined && /^\d+$/.test(index)) {
      const rest = { ...issue, path: issue.path.slice(2) };
      steps.set(Number(index), [...(steps.get(Number(index)) ?? []), rest]);
    } else other.push(issue);
  }
  return { steps, other };
}
