import type { FieldSpec, Schema } from '@polymorph/observability/quality/schema';
import { type Column, TXN_COLUMNS } from '../generator/schema.ts';

// Identifiers and free text: checked for presence and type, never for drift (every value is new).
const NOT_CATEGORICAL = new Set([
  'transaction_id',
  'customer_id',
  'merchant_id',
  'merchant_name',
  'device_id',
  'app_version',
  'fraud_evidence',
  'anomaly_evidence',
]);

// Domain bounds a valid transaction cannot leave; India's bounding box for coordinates.
const BOUNDS: Record<string, Pick<FieldSpec, 'min' | 'max'>> = {
  amount: { min: 0 },
  hour: { min: 0, max: 23 },
  customer_age: { min: 18, max: 100 },
  latitude: { min: 6, max: 37.5 },
  longitude: { min: 68, max: 97.5 },
  distance_from_home_km: { min: 0 },
  time_since_last_txn_s: { min: 0 },
  daily_txn_count: { min: 1 },
  daily_txn_amount: { min: 0 },
  customer_merchant_txn_count: { min: 0 },
  merchant_reputation: { min: 0, max: 1 },
  fraud_confidence: { min: 0, max: 1 },
  anomaly_score: { min: 0, max: 1 },
};

function fieldSpec(column: Column): FieldSpec {
  const flag = column.type === 'bool';
  const spec: FieldSpec = {
    name: column.name,
    type:
      column.type === 'timestamp'
        ? 'timestamp'
        : column.type === 'int' || column.type === 'bool'
          ? 'integer'
          : column.type === 'float'
            ? 'number'
            : 'string',
    nullable: column.nullable,
    ...(BOUNDS[column.name] ?? {}),
  };
  if (flag) return { ...spec, enum: [0, 1], categorical: true, outlierRule: 'none' };
  if (column.name === 'city_tier') return { ...spec, categorical: true, outlierRule: 'none' };
  if (NOT_CATEGORICAL.has(column.name)) return { ...spec, categorical: false };
  // Amounts are heavy-tailed: the MAD rule flags far fewer legitimate values than Tukey fences.
  if (column.name === 'amount' || column.name === 'daily_txn_amount') return { ...spec, outlierRule: 'mad' };
  return spec;
}

/** The declared schema of a SynFinance transaction, derived from the one column list of the generator. */
export const TRANSACTION_QUALITY_SCHEMA: Schema = { fields: TXN_COLUMNS.map(fieldSpec) };

/** CSV cells arrive as strings: give numeric columns numbers and empty cells null, as JSONL and Parquet do. */
export function typedTransaction(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of TXN_COLUMNS) {
    const value = row[column.name];
    if (
      typeof value === 'string' &&
      (column.type === 'int' || column.type === 'float' || column.type === 'bool')
    ) {
      out[column.name] = value.trim() === '' ? null : Number(value);
    } else if (value === '' && column.nullable) {
      out[column.name] = null;
    } else {
      out[column.name] = value ?? null;
    }
  }
  return out;
}
