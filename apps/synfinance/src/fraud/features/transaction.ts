// The transaction as the fraud features see it: parsed and validated from a table row (CSV strings,
// Parquet/JSONL values) or from an API body. Only these fields are ever read; in particular no label
// column (is_fraud, fraud_*, anomaly_*) is part of it, so features cannot depend on the label.

import { CHANNELS, PAYMENT_MODES, TRANSACTION_TYPES } from '../../transactions/vocabulary.ts';

export interface Txn {
  transactionId: string | null;
  customerId: string;
  merchantId: string;
  /** Wall-clock time (IST in SynFinance) as if it were UTC, in ms: hours and days read from it directly. */
  timeMs: number;
  amount: number;
  category: string;
  transactionType: number; // index in TRANSACTION_TYPES
  channel: number; // index in CHANNELS
  paymentMode: number; // index in PAYMENT_MODES
  declined: boolean;
  merchantReputation: number; // NaN when absent
  latitude: number; // NaN when absent
  longitude: number;
  distanceFromHomeKm: number; // NaN when absent
  deviceId: string | null;
  city: string | null;
}

/** A field that is missing or invalid; `field` is the input's column/property name. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'FieldError';
  }
}

/** Columns a SynFinance-style table must have for the history features. */
export const REQUIRED_COLUMNS = [
  'customer_id',
  'merchant_id',
  'timestamp',
  'amount',
  'category',
  'transaction_type',
  'channel',
  'payment_mode',
] as const;

/** Every column the features read (required and optional). */
export const INPUT_COLUMNS = [
  'transaction_id',
  ...REQUIRED_COLUMNS,
  'transaction_status',
  'merchant_reputation',
  'latitude',
  'longitude',
  'distance_from_home_km',
  'device_id',
  'city',
] as const;

const TS_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/;

/** `YYYY-MM-DD HH:MM:SS` (or with `T`) as wall-clock ms; NaN when malformed or impossible. */
export function parseWallClock(s: string): number {
  const m = TS_RE.exec(s);
  if (!m) return Number.NaN;
  const y = +m[1]!;
  const mo = +m[2]!;
  const d = +m[3]!;
  const h = +m[4]!;
  const mi = +m[5]!;
  const se = +m[6]!;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) return Number.NaN;
  const ms = Date.UTC(y, mo - 1, d, h, mi, se);
  if (new Date(ms).getUTCDate() !== d) return Number.NaN; // 2025-02-30
  return ms;
}

const isAbsent = (v: unknown) => v === undefined || v === null || v === '';

function str(o: Record<string, unknown>, k: string, required: boolean): string | null {
  const v = o[k];
  if (isAbsent(v)) {
    if (required) throw new FieldError(k, 'is required');
    return null;
  }
  if (typeof v !== 'string' && typeof v !== 'number') throw new FieldError(k, 'must be a string');
  const s = String(v);
  if (s.length > 200) throw new FieldError(k, 'is longer than 200 characters');
  return s;
}

function num(
  o: Record<string, unknown>,
  k: string,
  required: boolean,
  min = -Infinity,
  max = Infinity,
): number {
  const v = o[k];
  if (isAbsent(v)) {
    if (required) throw new FieldError(k, 'is required');
    return Number.NaN;
  }
  const x = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  if (!Number.isFinite(x)) throw new FieldError(k, 'must be a finite number');
  if (x < min || x > max) throw new FieldError(k, `must be between ${min} and ${max}`);
  return x;
}

function oneOf(o: Record<string, unknown>, k: string, values: readonly string[]): number {
  const s = str(o, k, true)!;
  const i = values.indexOf(s);
  if (i < 0) throw new FieldError(k, `must be one of ${values.join(', ')}`);
  return i;
}

/** Parse one transaction (table row or API body). Throws FieldError naming the first bad field. */
export function parseTxn(o: Record<string, unknown>): Txn {
  const customerId = str(o, 'customer_id', true)!;
  const merchantId = str(o, 'merchant_id', true)!;
  const ts = str(o, 'timestamp', true)!;
  const timeMs = parseWallClock(ts);
  if (Number.isNaN(timeMs)) throw new FieldError('timestamp', 'must be a valid YYYY-MM-DD HH:MM:SS time');
  // >= 0: zero-value transactions (card verifications, some generated transfers) are accepted
  const amount = num(o, 'amount', true, 0);
  const status = str(o, 'transaction_status', false);
  if (status !== null && status !== 'approved' && status !== 'declined') {
    throw new FieldError('transaction_status', 'must be approved or declined');
  }
  return {
    transactionId: str(o, 'transaction_id', false),
    customerId,
    merchantId,
    timeMs,
    amount,
    category: str(o, 'category', true)!,
    transactionType: oneOf(o, 'transaction_type', TRANSACTION_TYPES),
    channel: oneOf(o, 'channel', CHANNELS),
    paymentMode: oneOf(o, 'payment_mode', PAYMENT_MODES),
    declined: status === 'declined',
    merchantReputation: num(o, 'merchant_reputation', false, 0, 1),
    latitude: num(o, 'latitude', false, -90, 90),
    longitude: num(o, 'longitude', false, -180, 180),
    distanceFromHomeKm: num(o, 'distance_from_home_km', false, 0),
    deviceId: str(o, 'device_id', false),
    city: str(o, 'city', false),
  };
}
