import { describe, expect, it } from 'vitest';
import { missingRates } from './missing.ts';
import { isMissing } from './schema.ts';

describe('missing values', () => {
  it('applies the documented policy', () => {
    for (const v of [null, undefined, Number.NaN, '', '   ', '\t']) expect(isMissing(v)).toBe(true);
    for (const v of [0, false, 'x', Number.POSITIVE_INFINITY, ' a ', [], {}])
      expect(isMissing(v)).toBe(false);
  });

  it('counts exact rates per field, absent keys included', () => {
    const records: Record<string, unknown>[] = [
      { a: null, b: 1 },
      { a: undefined, b: 2 },
      { b: 3 },
      { a: Number.NaN, b: null },
      { a: '', b: 5 },
      { a: '  ', b: 6 },
      { a: 0, b: 7 },
      { a: false, b: 8 },
      { a: 'x', b: 9 },
      { a: Number.POSITIVE_INFINITY, b: 10 },
    ];
    const r = missingRates(records, ['a', 'b', 'c']);
    expect(r['a']).toEqual({ missing: 6, rate: 0.6 });
    expect(r['b']).toEqual({ missing: 1, rate: 0.1 });
    expect(r['c']).toEqual({ missing: 10, rate: 1 });
    expect(missingRates([], ['a'])['a']).toEqual({ missing: 0, rate: 0 });
  });
});
