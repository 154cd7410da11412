/**
 * A deliberately small declared-schema format and a validator that checks every record and counts
 * violations per schema field. Field names in the results come from the schema only, so they are
 * safe as bounded metric labels; fields a record carries but the schema does not declare are counted
 * in one aggregate (`extraFieldRecords`) and never become labels.
 */

export type FieldType = 'number' | 'integer' | 'string' | 'boolean' | 'timestamp';

export interface FieldSpec {
  name: string;
  type: FieldType;
  /** Missing values (see missing.ts) are allowed. Default false: a missing value is a violation. */
  nullable?: boolean;
  /** Allowed values (strings, numbers or booleans). A present value outside the list is a violation. */
  enum?: readonly (string | number | boolean)[];
  /** Inclusive bounds for number/integer fields (and for timestamps, in epoch milliseconds). */
  min?: number;
  max?: number;
  /**
   * Outlier rule for a numeric field: 'iqr' (Tukey fences, default), 'mad' (modified z-score)
   * or 'none'. See outliers.ts.
   */
  outlierRule?: 'iqr' | 'mad' | 'none';
  /**
   * Treat this field as categorical for drift (JS, PSI over categories). Default: true for string and
   * boolean fields, false otherwise. `false` on a string field (free text, identifiers) means no drift;
   * `true` on a number/integer field (codes) switches it from numeric to categorical drift.
   */
  categorical?: boolean;
}

export interface Schema {
  fields: readonly FieldSpec[];
  /** When true, a record carrying a field the schema does not declare counts as one violation. Default false. */
  strict?: boolean;
}

export type ViolationKind = 'missing' | 'type' | 'enum' | 'below_min' | 'above_max';

export interface FieldViolations {
  total: number;
  byKind: Record<ViolationKind, number>;
}

export interface SchemaValidationResult {
  records: number;
  /** Records with at least one violation (including an extra field in strict mode). */
  invalidRecords: number;
  /** Sum of all per-field violations, plus extra-field violations in strict mode. */
  violationsTotal: number;
  /** Records carrying at least one field the schema does not declare (counted whether strict or not). */
  extraFieldRecords: number;
  fields: Record<string, FieldViolations>;
}

/**
 * The missing-value policy, shared by every module: undefined (including an absent key), null,
 * a number NaN, and a string that is empty or only whitespace are missing. Anything else,
 * including 0, false and ±Infinity, is present.
 */
export function isMissing(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'number') return Number.isNaN(value);
  if (typeof value === 'string') return value.trim() === '';
  return false;
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A timestamp is a valid Date, a finite number (epoch milliseconds), or an ISO-8601 string that
 * Date.parse accepts. Returns epoch milliseconds, or null when the value is not a timestamp.
 */
export function timestampMillis(value: unknown): number | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && ISO_TIMESTAMP.test(value.trim())) {
    const t = Date.parse(value.trim());
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/** The numeric value of a present number/integer field, or null when it is not a finite number. */
export function numericValue(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function isNumericField(spec: FieldSpec): boolean {
  return (spec.type === 'number' || spec.type === 'integer') && spec.categorical !== true;
}

export function isCategoricalField(spec: FieldSpec): boolean {
  if (spec.categorical !== undefined) return spec.categorical && spec.type !== 'timestamp';
  if (spec.type === 'timestamp') return false;
  if (spec.type === 'string' || spec.type === 'boolean') return true;
  return false;
}

function emptyViolations(): FieldViolations {
  return { total: 0, byKind: { missing: 0, type: 0, enum: 0, below_min: 0, above_max: 0 } };
}

/** The first violation of one value against its field spec, or null when the value is valid. */
export function checkValue(spec: FieldSpec, value: unknown): ViolationKind | null {
  if (isMissing(value)) return spec.nullable === true ? null : 'missing';
  let comparable: number | null = null;
  switch (spec.type) {
    case 'number':
      // ±Infinity is present but not a valid number.
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'type';
      comparable = value;
      break;
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return 'type';
      comparable = value;
      break;
    case 'string':
      if (typeof value !== 'string') return 'type';
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return 'type';
      break;
    case 'timestamp':
      comparable = timestampMillis(value);
      if (comparable === null) return 'type';
      break;
  }
  if (spec.enum !== undefined && !spec.enum.includes(value as string | number | boolean)) return 'enum';
  if (comparable !== null) {
    if (spec.min !== undefined && comparable < spec.min) return 'below_min';
    if (spec.max !== undefined && comparable > spec.max) return 'above_max';
  }
  return null;
}

/** Validates every record against the schema; at most one violation per (record, field). */
export function validateRecords(
  records: readonly Record<string, unknown>[],
  schema: Schema,
): SchemaValidationResult {
  const fields: Record<string, FieldViolations> = {};
  const declared = new Set<string>();
  for (const spec of schema.fields) {
    if (declared.has(spec.name)) throw new Error(`schema declares field "${spec.name}" twice`);
    declared.add(spec.name);
    fields[spec.name] = emptyViolations();
  }
  let invalidRecords = 0;
  let violationsTotal = 0;
  let extraFieldRecords = 0;
  for (const record of records) {
    let bad = false;
    for (const spec of schema.fields) {
      const kind = checkValue(spec, record[spec.name]);
      if (kind !== null) {
        const f = fields[spec.name]!;
        f.total++;
        f.byKind[kind]++;
        violationsTotal++;
        bad = true;
      }
    }
    let extra = false;
    for (const key of Object.keys(record)) {
      if (!declared.has(key)) {
        extra = true;
        break;
      }
    }
    if (extra) {
      extraFieldRecords++;
      if (schema.strict === true) {
        violationsTotal++;
        bad = true;
      }
    }
    if (bad) invalidRecords++;
  }
  return { records: records.length, invalidRecords, violationsTotal, extraFieldRecords, fields };
}
