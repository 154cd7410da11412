/**
 * The reference profile: a JSON-serialisable summary of a reference dataset (typically the training
 * data, saved next to the model) against which later batches are compared for drift and outliers.
 *
 * - Numeric fields: `bins` quantile bins (deciles by default) whose interior edges are the reference
 *   quantiles i/bins (type 7), with duplicate edges removed; the expected proportion of each bin is
 *   measured on the reference itself with the same binning rule, so ties at an edge are accounted for.
 *   Bin i holds the values x with edge[i−1] < x ≤ edge[i] (the first bin is open below, the last open above).
 *   For Kolmogorov–Smirnov the profile keeps a sorted sample capped at `sampleCap` values: all values
 *   when there are no more than the cap, otherwise the order statistics at evenly spaced ranks
 *   round(i·(n−1)/(cap−1)), i = 0…cap−1 (deterministic, keeps the minimum, the maximum and the quantiles).
 *   The outlier fences are fitted on the full reference and stored, as is the reference outlier rate.
 * - Categorical fields: the proportion of each of the `maxCategories` most frequent values (ties broken
 *   by value, for determinism), and one `otherProportion` bucket for the rest. Values are keyed by
 *   String(value), so true and 'true' are one category.
 * - Timestamp fields are profiled for missing values only.
 */
import { type Fences, fitFences, outlierStats } from './outliers.ts';
import {
  type FieldSpec,
  type FieldType,
  isCategoricalField,
  isMissing,
  isNumericField,
  numericValue,
  type Schema,
} from './schema.ts';
import { mean, quantileSorted, sortedFinite, standardDeviation } from './stats.ts';

export const PROFILE_FORMAT = 'polymorph.quality.reference-profile';
export const PROFILE_VERSION = 1;

export interface ProfileOptions {
  /** Number of quantile bins for numeric fields (PSI). Default 10. */
  bins?: number;
  /** Maximum size of the retained sorted sample per numeric field (KS). Default 5000. */
  sampleCap?: number;
  /** Categories kept per categorical field before the rest goes to the "other" bucket. Default 50. */
  maxCategories?: number;
}

export const DEFAULT_PROFILE_OPTIONS: Required<ProfileOptions> = {
  bins: 10,
  sampleCap: 5000,
  maxCategories: 50,
};

interface FieldProfileBase {
  type: FieldType;
  /** Records where the field was missing, as a rate of all reference records. */
  missingRate: number;
  /** Present values usable for the statistics below. */
  count: number;
}

export interface NumericFieldProfile extends FieldProfileBase {
  kind: 'numeric';
  /** Interior bin edges, strictly increasing; bins = edges.length + 1. */
  binEdges: number[];
  /** Reference proportion of each bin; sums to 1 (or is all zero when count is 0). */
  binProportions: number[];
  /** Sorted, capped sample for KS. */
  sample: number[];
  mean: number | null;
  sd: number | null;
  min: number | null;
  max: number | null;
  fences: Fences | null;
  /** Outlier rate of the reference under its own fences (the baseline the quality score subtracts). */
  outlierRate: number;
}

export interface CategoricalFieldProfile extends FieldProfileBase {
  kind: 'categorical';
  /** Kept categories, most frequent first. */
  categories: { value: string; proportion: number }[];
  otherProportion: number;
}

export interface UnprofiledField extends FieldProfileBase {
  kind: 'none';
}

export type FieldProfile = NumericFieldProfile | CategoricalFieldProfile | UnprofiledField;

export interface ReferenceProfile {
  format: typeof PROFILE_FORMAT;
  version: typeof PROFILE_VERSION;
  records: number;
  options: Required<ProfileOptions>;
  fields: Record<string, FieldProfile>;
}

/** Index of the bin holding x: the number of edges strictly below x (binary search). */
export function binIndex(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function binCounts(edges: readonly number[], values: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) if (Number.isFinite(v)) counts[binIndex(edges, v)]!++;
  return counts;
}

/** Interior quantile edges i/bins, i = 1…bins−1, of an ascending array, duplicates removed. */
export function quantileEdges(sorted: readonly number[], bins: number): number[] {
  const edges: number[] = [];
  if (sorted.length === 0) return edges;
  for (let i = 1; i < bins; i++) {
    const e = quantileSorted(sorted, i / bins);
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  return edges;
}

/** Deterministic subsample: the order statistics at evenly spaced ranks, or everything under the cap. */
export function capSortedSample(sorted: readonly number[], cap: number): number[] {
  const n = sorted.length;
  if (n <= cap) return sorted.slice();
  if (cap <= 1) return cap === 1 ? [quantileSorted(sorted, 0.5)] : [];
  const out = new Array<number>(cap);
  for (let i = 0; i < cap; i++) out[i] = sorted[Math.round((i * (n - 1)) / (cap - 1))]!;
  return out;
}

export function categoryKey(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** The usable numeric values of a field: present, finite numbers (type-invalid values are left to the schema check). */
export function numericColumn(records: readonly Record<string, unknown>[], name: string): number[] {
  const out: number[] = [];
  for (const r of records) {
    const v = numericValue(r[name]);
    if (v !== null) out.push(v);
  }
  return out;
}

/** The present values of a categorical field, keyed by String(value). */
export function categoricalColumn(records: readonly Record<string, unknown>[], name: string): string[] {
  const out: string[] = [];
  for (const r of records) {
    const v = r[name];
    if (!isMissing(v)) out.push(categoryKey(v));
  }
  return out;
}

function profileField(
  records: readonly Record<string, unknown>[],
  spec: FieldSpec,
  opts: Required<ProfileOptions>,
): FieldProfile {
  let missing = 0;
  for (const r of records) if (isMissing(r[spec.name])) missing++;
  const missingRate = records.length === 0 ? 0 : missing / records.length;
  if (isNumericField(spec)) {
    const values = numericColumn(records, spec.name);
    const sorted = sortedFinite(values);
    const binEdges = quantileEdges(sorted, opts.bins);
    const counts = binCounts(binEdges, sorted);
    const fences = spec.outlierRule === 'none' ? null : fitFences(sorted, spec.outlierRule ?? 'iqr');
    return {
      kind: 'numeric',
      type: spec.type,
      missingRate,
      count: sorted.length,
      binEdges,
      binProportions: counts.map((c) => (sorted.length === 0 ? 0 : c / sorted.length)),
      sample: capSortedSample(sorted, opts.sampleCap),
      mean: finiteOrNull(mean(sorted)),
      sd: finiteOrNull(standardDeviation(sorted)),
      min: sorted.length === 0 ? null : sorted[0]!,
      max: sorted.length === 0 ? null : sorted[sorted.length - 1]!,
      fences,
      outlierRate: fences === null ? 0 : outlierStats(sorted, fences).rate,
    };
  }
  if (isCategoricalField(spec)) {
    const values = categoricalColumn(records, spec.name);
    const counts = new Map<string, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    const ordered = [...counts.entries()].sort(
      (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
    );
    const kept = ordered.slice(0, opts.maxCategories);
    const n = values.length;
    let keptCount = 0;
    for (const [, c] of kept) keptCount += c;
    return {
      kind: 'categorical',
      type: spec.type,
      missingRate,
      count: n,
      categories: kept.map(([value, c]) => ({ value, proportion: n === 0 ? 0 : c / n })),
      otherProportion: n === 0 ? 0 : (n - keptCount) / n,
    };
  }
  return { kind: 'none', type: spec.type, missingRate, count: records.length - missing };
}

export function buildReferenceProfile(
  records: readonly Record<string, unknown>[],
  schema: Schema,
  options: ProfileOptions = {},
): ReferenceProfile {
  const opts: Required<ProfileOptions> = { ...DEFAULT_PROFILE_OPTIONS, ...options };
  if (!Number.isInteger(opts.bins) || opts.bins < 2) throw new Error('profile bins must be an integer ≥ 2');
  if (!Number.isInteger(opts.sampleCap) || opts.sampleCap < 2)
    throw new Error('profile sampleCap must be an integer ≥ 2');
  if (!Number.isInteger(opts.maxCategories) || opts.maxCategories < 1)
    throw new Error('profile maxCategories must be an integer ≥ 1');
  const fields: Record<string, FieldProfile> = {};
  for (const spec of schema.fields) fields[spec.name] = profileField(records, spec, opts);
  return { format: PROFILE_FORMAT, version: PROFILE_VERSION, records: records.length, options: opts, fields };
}

export function profileToJson(profile: ReferenceProfile): string {
  return JSON.stringify(profile);
}

function isAscendingNumbers(xs: unknown, strict: boolean): boolean {
  if (!Array.isArray(xs)) return false;
  for (let i = 0; i < xs.length; i++) {
    const x: unknown = xs[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return false;
    if (i > 0 && (strict ? x <= xs[i - 1] : x < xs[i - 1])) return false;
  }
  return true;
}

function isWellFormedField(f: unknown): boolean {
  if (typeof f !== 'object' || f === null) return false;
  const g = f as Partial<NumericFieldProfile> & Partial<CategoricalFieldProfile> & { kind?: unknown };
  if (typeof g.missingRate !== 'number' || typeof g.count !== 'number') return false;
  if (g.kind === 'numeric')
    return (
      isAscendingNumbers(g.binEdges, true) &&
      Array.isArray(g.binProportions) &&
      g.binProportions.length === g.binEdges!.length + 1 &&
      g.binProportions.every((x) => typeof x === 'number' && x >= 0) &&
      isAscendingNumbers(g.sample, false) &&
      typeof g.outlierRate === 'number'
    );
  if (g.kind === 'categorical')
    return (
      Array.isArray(g.categories) &&
      g.categories.every((c) => typeof c?.value === 'string' && typeof c.proportion === 'number') &&
      typeof g.otherProportion === 'number'
    );
  return g.kind === 'none';
}

/** Parses a saved profile, checking its format tag, version and the shape of each field. */
export function profileFromJson(text: string): ReferenceProfile {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null) throw new Error('reference profile: not a JSON object');
  const p = parsed as Partial<ReferenceProfile>;
  if (p.format !== PROFILE_FORMAT) throw new Error(`reference profile: format is not "${PROFILE_FORMAT}"`);
  if (p.version !== PROFILE_VERSION)
    throw new Error(`reference profile: unsupported version ${String(p.version)}`);
  if (
    typeof p.records !== 'number' ||
    typeof p.fields !== 'object' ||
    p.fields === null ||
    p.options === undefined
  )
    throw new Error('reference profile: missing records, options or fields');
  for (const [name, f] of Object.entries(p.fields as Record<string, unknown>)) {
    if (!isWellFormedField(f)) throw new Error(`reference profile: field "${name}" is malformed`);
  }
  return p as ReferenceProfile;
}
