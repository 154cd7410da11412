import { describe, expect, it } from 'vitest';
import {
  checkValue,
  isCategoricalField,
  isNumericField,
  type Schema,
  timestampMillis,
  validateRecords,
} from './schema.ts';

const schema: Schema = {
  fields: [
    { name: 'amount', type: 'number', min: 0, max: 10_000 },
    { name: 'count', type: 'integer', nullable: true },
    { name: 'channel', type: 'string', enum: ['POS', 'ONLINE'] },
    { name: 'is_fraud', type: 'boolean' },
    { name: 'ts', type: 'timestamp', min: Date.parse('2020-01-01T00:00:00Z') },
  ],
};

const good = { amount: 12.5, count: 3, channel: 'POS', is_fraud: false, ts: '2024-05-01T12:00:00Z' };

describe('schema validation', () => {
  it('accepts a valid record and every accepted timestamp form', () => {
    expect(validateRecords([good], schema).violationsTotal).toBe(0);
    expect(timestampMillis('2024-05-01')).toBe(Date.parse('2024-05-01'));
    expect(timestampMillis('2024-05-01 10:00:00+02:00')).not.toBeNull();
    expect(timestampMillis(new Date(0))).toBe(0);
    expect(timestampMillis(1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(timestampMillis('yesterday')).toBeNull();
    expect(timestampMillis('2024-13-45')).toBeNull();
    expect(timestampMillis(new Date(Number.NaN))).toBeNull();
  });

  it('classifies each kind of violation', () => {
    const s = schema.fields;
    expect(checkValue(s[0]!, null)).toBe('missing');
    expect(checkValue(s[0]!, '12')).toBe('type');
    expect(checkValue(s[0]!, Number.POSITIVE_INFINITY)).toBe('type');
    expect(checkValue(s[0]!, -1)).toBe('below_min');
    expect(checkValue(s[0]!, 10_001)).toBe('above_max');
    expect(checkValue(s[0]!, 10_000)).toBeNull();
    expect(checkValue(s[1]!, null)).toBeNull(); // nullable
    expect(checkValue(s[1]!, 2.5)).toBe('type');
    expect(checkValue(s[2]!, 'ATM')).toBe('enum');
    expect(checkValue(s[3]!, 'false')).toBe('type');
    expect(checkValue(s[4]!, '2019-12-31T23:59:59Z')).toBe('below_min');
  });

  it('counts violations per schema field and records, and bounds the field names', () => {
    const records: Record<string, unknown>[] = [
      good,
      { ...good, amount: -5, channel: 'ATM' }, // 2 violations, 1 record
      { ...good, is_fraud: 'yes' },
      { ...good, amount: undefined },
      { ...good, surprise: 1, another: 2 }, // undeclared fields: not a label, not a violation by default
    ];
    const r = validateRecords(records, schema);
    expect(r.records).toBe(5);
    expect(r.violationsTotal).toBe(4);
    expect(r.invalidRecords).toBe(3);
    expect(r.extraFieldRecords).toBe(1);
    expect(Object.keys(r.fields)).toEqual(['amount', 'count', 'channel', 'is_fraud', 'ts']);
    expect(r.fields['amount']).toEqual({
      total: 2,
      byKind: { missing: 1, type: 0, enum: 0, below_min: 1, above_max: 0 },
    });
    expect(r.fields['channel']!.byKind.enum).toBe(1);
    expect(r.fields['is_fraud']!.byKind.type).toBe(1);

    const strict = validateRecords(records, { ...schema, strict: true });
    expect(strict.violationsTotal).toBe(5);
    expect(strict.invalidRecords).toBe(4);
  });

  it('decides which fields are numeric or categorical for drift', () => {
    expect(isNumericField({ name: 'a', type: 'number' })).toBe(true);
    expect(isNumericField({ name: 'a', type: 'integer', categorical: true })).toBe(false);
    expect(isCategoricalField({ name: 'a', type: 'integer', categorical: true })).toBe(true);
    expect(isCategoricalField({ name: 'a', type: 'string' })).toBe(true);
    expect(isCategoricalField({ name: 'a', type: 'boolean' })).toBe(true);
    expect(isCategoricalField({ name: 'a', type: 'string', categorical: false })).toBe(false);
    expect(isCategoricalField({ name: 'a', type: 'timestamp' })).toBe(false);
    expect(isCategoricalField({ name: 'a', type: 'number' })).toBe(false);
  });

  it('rejects a schema declaring a field twice', () => {
    expect(() =>
      validateRecords([], {
        fields: [
          { name: 'a', type: 'number' },
          { name: 'a', type: 'string' },
        ],
      }),
    ).toThrow(/twice/);
  });
});
