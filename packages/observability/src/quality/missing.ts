/** Missing-value rate per schema field over a batch of records. The policy is `isMissing` in schema.ts. */
import { isMissing, type Schema } from './schema.ts';

export interface MissingFieldStats {
  missing: number;
  /** missing / records; 0 for an empty batch. */
  rate: number;
}

export function missingRates(
  records: readonly Record<string, unknown>[],
  fieldNames: readonly string[],
): Record<string, MissingFieldStats> {
  const out: Record<string, MissingFieldStats> = {};
  for (const name of fieldNames) {
    let missing = 0;
    for (const r of records) if (isMissing(r[name])) missing++;
    out[name] = { missing, rate: records.length === 0 ? 0 : missing / records.length };
  }
  return out;
}

export function missingRatesForSchema(
  records: readonly Record<string, unknown>[],
  schema: Schema,
): Record<string, MissingFieldStats> {
  return missingRates(
    records,
    schema.fields.map((f) => f.name),
  );
}
